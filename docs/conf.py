"""Sphinx configuration of the reservoir documentation.

Build: ``python -m sphinx -W -b html docs docs/_build/html`` (needs the extra
``docs``: ``pip install -e ".[docs]"``).
"""

import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE / "_ext"))

# The gallery runs every script of examples/ in its small mode, headless, and
# collects the PNG files the scripts write to RESERVOIR_EXAMPLE_OUT (see
# _ext/reservoir_docs.py). Set before sphinx-gallery runs anything.
os.environ["RESERVOIR_EXAMPLE_SMALL"] = "1"
os.environ["MPLBACKEND"] = "Agg"
os.environ["RESERVOIR_EXAMPLE_OUT"] = tempfile.mkdtemp(prefix="reservoir-gallery-")

import reservoir  # noqa: E402

project = "reservoir"
author = "the reservoir developers"
copyright = "the reservoir developers"
release = reservoir.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "reservoir_docs",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
default_role = "py:obj"

# -- API reference -------------------------------------------------------------------------
autosummary_generate = True
autosummary_imported_members = False
autodoc_typehints = "none"
autodoc_member_order = "bysource"
autodoc_inherit_docstrings = True
# reservoir.sktime needs the optional extra sktime; without it the page is built from
# a mock so that the build does not depend on the extra.
try:
    import sktime  # noqa: F401
except ImportError:
    autodoc_mock_imports = ["sktime"]
# numpydoc renders the docstrings; the class pages list their methods themselves
# (templates in _templates/autosummary), so numpydoc's member tables are off.
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
numpydoc_validation_checks = set()

# -- gallery -------------------------------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": str(HERE.parent / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"\.py$",  # run every example, not only plot_*.py
    "ignore_pattern": r"__init__\.py",
    "within_subsection_order": "FileNameSortKey",
    "image_scrapers": ("matplotlib", "reservoir_docs.png_scraper"),
    "abort_on_example_error": True,
    "only_warn_on_example_error": False,
    "download_all_examples": False,
    "remove_config_comments": True,
    "min_reported_time": 1,
    "show_memory": False,
    "plot_gallery": "True",
}

# -- HTML ----------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"reservoir {release}"
html_static_path = ["_static"]
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "header_links_before_dropdown": 5,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_sidebars = {"index": []}
html_show_sourcelink = False

# numpydoc renames each docstring's citations; a function citing its module's
# reference list is resolved by _ext/reservoir_docs.py, but Sphinx still reports the
# renamed module citations as unreferenced (it checks before resolution).
suppress_warnings = ["ref.citation"]

# Parameter types are cross-referenced word by word, which also keeps shapes such as
# ``(T, n_features_in_)`` from being read as reStructuredText link targets. Plain
# English words of the type descriptions stay text.
# numpydoc's default aliases point into the Python and NumPy docs through intersphinx,
# which an offline build does not have: they stay plain words here.
from numpydoc.xref import DEFAULT_LINKS  # noqa: E402

numpydoc_xref_param_type = True
numpydoc_xref_aliases = {word: word for word in DEFAULT_LINKS}
numpydoc_xref_ignore = set(DEFAULT_LINKS) | {
    "of", "or", "and", "shape", "default", "optional", "None", "like", "array-like",
    "instance", "any", "a", "an", "the", "one", "per", "with", "each", "from", "in",
    "to", "same", "as", "see", "below", "above", "if", "is", "not", "list", "tuple",
    "dict", "int", "float", "bool", "str", "callable", "ndarray", "sequence", "series",
    ">", ">=", "<", "<=", "=",
}
