"""The wheel installs reservoir and reservoir.datasets, and no top-level `datasets` package."""

import pathlib
import subprocess
import sys
import zipfile

import pytest

ROOT = pathlib.Path(__file__).parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "-w", str(out), str(ROOT)],
        capture_output=True, text=True, timeout=300,
    )
    if result.returncode != 0:
        pytest.fail(f"building the wheel failed:\n{result.stderr[-3000:]}")
    wheels = list(out.glob("reservoir_rc-*.whl"))
    assert len(wheels) == 1
    return wheels[0]


def test_wheel_maps_datasets_under_reservoir(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    top_level = {name.split("/")[0] for name in names if not name.endswith(".dist-info/")}
    assert "reservoir" in top_level
    assert "datasets" not in top_level, "a top-level `datasets` package would shadow Hugging Face's"
    assert "reservoir/datasets/__init__.py" in names
    assert "reservoir/baselines/__init__.py" in names
    assert "reservoir/benchmark/__init__.py" in names


def test_console_script_declared(wheel):
    with zipfile.ZipFile(wheel) as zf:
        entry = next(n for n in zf.namelist() if n.endswith("entry_points.txt"))
        assert "reservoir-bench = reservoir.benchmark.__main__:main" in zf.read(entry).decode()


def test_importing_reservoir_is_light():
    code = ("import sys, reservoir, reservoir.baselines; reservoir.ESN; "
            "assert 'torch' not in sys.modules and 'matplotlib' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
