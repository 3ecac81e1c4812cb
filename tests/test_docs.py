"""The documentation covers the package: every public name is in the API reference.

The API reference (``docs/api/*.rst``) lists names in ``autosummary`` blocks under a
``currentmodule``; a public name is a name in the ``__all__`` of a public module (no
component of its dotted path starts with an underscore). A module that cannot be
imported for want of an optional dependency is skipped. The user-guide snippets run
(``slow``), and every example has the title sphinx-gallery needs.
"""

from __future__ import annotations

import importlib
import pathlib
import pkgutil
import re
import textwrap

import pytest

import reservoir

ROOT = pathlib.Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
API = DOCS / "api"

pytestmark = pytest.mark.skipif(not API.is_dir(), reason="docs/ not in this checkout")


def documented_names():
    """(set of (module, name) in autosummary blocks, set of modules with automodule)."""
    names, modules = set(), set()
    for path in sorted(API.glob("*.rst")):
        current, in_autosummary = None, False
        for line in path.read_text().splitlines():
            directive = re.match(r"\.\. (\w+(?:::)?\w*)::\s*(\S*)", line.strip())
            if directive and not line.startswith(" "):
                kind, argument = directive.groups()
                in_autosummary = kind == "autosummary"
                if kind in ("currentmodule", "automodule"):
                    current = argument
                if kind == "automodule":
                    modules.add(argument)
                continue
            if in_autosummary:
                if line and not line.startswith(" "):
                    in_autosummary = False
                    continue
                entry = line.strip()
                if entry and not entry.startswith(":"):
                    assert current, f"{path.name}: autosummary before any currentmodule"
                    names.add((current, entry.lstrip("~")))
    return names, modules


def public_modules():
    """{dotted name: module} of every importable public module of the package.

    Subpackages are walked through their own ``__path__`` (``reservoir.datasets``
    lives in the top-level ``datasets/`` folder of the repository).
    """
    found = {"reservoir": reservoir}
    todo = sorted(f"reservoir.{m}" for m in reservoir._SUBMODULES)
    todo += [info.name for info in pkgutil.iter_modules(reservoir.__path__, "reservoir.")]
    while todo:
        name = todo.pop()
        if name in found or any(part.startswith("_") for part in name.split(".")):
            continue
        try:
            module = importlib.import_module(name)
        except ImportError:  # an optional extra (sktime, matplotlib, ...) is missing
            continue
        found[name] = module
        if hasattr(module, "__path__"):
            todo += [info.name for info in pkgutil.iter_modules(module.__path__, name + ".")]
    return found


def public_names(module):
    return [name for name in getattr(module, "__all__", [])
            if not (name.startswith("__") and name.endswith("__"))]


def is_covered(module_name, name, modules, documented):
    """Documented here, or re-exported (the same object) by a documented parent package."""
    if (module_name, name) in documented:
        return True
    obj = getattr(modules[module_name], name)
    parts = module_name.split(".")
    for i in range(len(parts) - 1, 0, -1):
        parent = ".".join(parts[:i])
        if (parent, name) in documented and getattr(modules.get(parent), name, None) is obj:
            return True
    return False


def test_every_public_name_is_documented():
    documented, _ = documented_names()
    modules = public_modules()
    missing = [f"{module_name}.{name}" for module_name, module in sorted(modules.items())
               for name in public_names(module)
               if not is_covered(module_name, name, modules, documented)]
    assert not missing, (
        "public names missing from the API reference (add them to docs/api/*.rst): "
        + ", ".join(missing))


def test_every_public_module_has_a_section():
    """Each public module has an ``automodule`` section, unless it is an implementation
    module whose public names are all documented through its parent package."""
    documented, automodules = documented_names()
    modules = public_modules()
    undocumented = [
        name for name, module in sorted(modules.items())
        if name != "reservoir" and name not in automodules
        and not (public_names(module)
                 and all(is_covered(name, n, modules, documented) for n in public_names(module)))
    ]
    assert not undocumented, f"public modules without an API section: {undocumented}"


def test_documented_names_are_public():
    documented, _ = documented_names()
    modules = public_modules()
    stale = []
    for module_name, name in sorted(documented):
        module = modules.get(module_name)
        if module is None:
            try:
                importlib.import_module(module_name)
            except ImportError:
                continue  # optional dependency missing: the build would say so
            stale.append(f"{module_name} (not a public module)")
        elif name not in getattr(module, "__all__", []):
            stale.append(f"{module_name}.{name}")
    assert not stale, f"documented but not public (not in __all__): {stale}"


EXAMPLES = sorted((ROOT / "examples").glob("*.py"))


@pytest.mark.parametrize("script", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_has_a_gallery_title(script):
    """sphinx-gallery takes the title from the docstring: a line underlined with '='."""
    lines = script.read_text().splitlines()
    assert lines[0].startswith('"""') and len(lines[0]) > 3, "the docstring starts the file"
    title, underline = lines[0][3:], lines[1]
    assert set(underline) == {"="} and len(underline) >= len(title), (
        f"{script.name}: underline the docstring's first line with '=' (a gallery title)")


def python_blocks(text):
    """The bodies of the ``.. code-block:: python`` directives of an rst page."""
    lines, blocks, i = text.splitlines(), [], 0
    while i < len(lines):
        if lines[i].strip() == ".. code-block:: python":
            i += 1
            body = []
            while i < len(lines) and (not lines[i].strip() or lines[i].startswith("   ")):
                body.append(lines[i])
                i += 1
            blocks.append(textwrap.dedent("\n".join(body)))
        else:
            i += 1
    return blocks


GUIDE = sorted((DOCS / "user_guide").glob("*.rst")) + [DOCS / "index.rst"]
OPTIONAL = {"torch", "optuna", "matplotlib", "skops", "sktime"}


@pytest.mark.slow
@pytest.mark.parametrize("page", GUIDE, ids=[p.stem for p in GUIDE])
def test_user_guide_snippets_run(page, capsys, tmp_path, monkeypatch):
    """The snippets of a page run in order in one namespace, as a reader would run them."""
    monkeypatch.chdir(tmp_path)  # snippets that save files write them here
    namespace = {"__name__": "__docs__"}
    for block in python_blocks(page.read_text()):
        try:
            exec(compile(block, str(page), "exec"), namespace)
        except ModuleNotFoundError as exc:
            if exc.name in OPTIONAL:
                pytest.skip(f"{page.name} needs the optional dependency {exc.name}")
            raise
