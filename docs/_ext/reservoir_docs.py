"""Sphinx helpers for the reservoir documentation (a local extension).

* :func:`png_scraper`: a sphinx-gallery image scraper for the PNG files an example
  writes to ``$RESERVOIR_EXAMPLE_OUT``. The library's plotting functions build
  figures with matplotlib's object-oriented API (no ``pyplot``), so the default
  matplotlib scraper does not see them; the examples save them instead.
* Cross-references to the lazily imported top-level names (``reservoir.ESN``) are
  resolved to the module that defines them (``reservoir.esn.ESN``), where the API
  reference documents them.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from sphinx.util.nodes import make_refnode
from sphinx_gallery.scrapers import figure_rst


def png_scraper(block, block_vars, gallery_conf):
    """Move the PNG files an example wrote to ``$RESERVOIR_EXAMPLE_OUT`` onto its page."""
    out = os.environ.get("RESERVOIR_EXAMPLE_OUT")
    if not out or not Path(out).is_dir():
        return ""
    pngs = sorted(Path(out).rglob("*.png"), key=lambda p: p.stat().st_mtime)
    image_path_iterator = block_vars["image_path_iterator"]
    images = []
    for png, image_path in zip(pngs, image_path_iterator):
        shutil.move(str(png), str(image_path))
        images.append(image_path)
    return figure_rst(images, gallery_conf["src_dir"])


def _top_level_names():
    import reservoir

    return {name: f"reservoir.{module}.{name}" for name, module in reservoir._LAZY.items()}


def _resolve_top_level(app, env, node, contnode):
    """Resolve ``reservoir.ESN`` to ``reservoir.esn.ESN`` (documented there)."""
    if node.get("refdomain") != "py":
        return None
    target = node.get("reftarget", "")
    names = _top_level_names()
    short = target.removeprefix("reservoir.")
    if short not in names or target not in (short, f"reservoir.{short}"):
        return None
    if target == short and node.get("py:module", "") not in ("reservoir", None, ""):
        return None
    domain = env.get_domain("py")
    node = node.deepcopy()
    node["reftarget"] = names[short]
    return domain.resolve_xref(env, node["refdoc"], app.builder, node["reftype"],
                               names[short], node, contnode)


_METADATA_REQUEST = re.compile(r"^set_\w+_request$")


def _skip_member(app, what, name, obj, skip, options):
    """Skip scikit-learn's generated ``set_*_request`` methods (metadata routing)."""
    if _METADATA_REQUEST.match(name):
        return True
    return None


def _resolve_citation(app, env, node, contnode):
    """Resolve ``[J01]_`` in a docstring to the reference list of its module.

    numpydoc renames the citations of each docstring (``[J01]`` -> ``[R1a2b-J01]``)
    so that equal labels in different docstrings do not clash; a function that
    cites the references of its module docstring would otherwise dangle. The
    citation on the page of the same module is preferred, else any with that label.
    """
    if node.get("refdomain") != "citation":
        return None
    label = node.get("reftarget", "")
    citations = env.get_domain("citation").citations
    candidates = [(docname, labelid) for key, (docname, labelid, _) in citations.items()
                  if key == label or key.endswith("-" + label)]
    if not candidates:
        return None
    refdoc = node.get("refdoc", "")
    name = refdoc.rsplit("/", 1)[-1]
    name = name if name.startswith("reservoir.") else _module_of_page(refdoc)
    preferred = [c for c in candidates
                 if (name + ".").startswith(_module_of_page(c[0]) + ".")]
    docname, labelid = (preferred or candidates)[0]
    return make_refnode(app.builder, refdoc, docname, labelid, contnode)


def _module_of_page(docname):
    """``api/metrics`` -> ``reservoir.metrics``."""
    if docname.startswith("api/"):
        return "reservoir." + docname.removeprefix("api/")
    return "\0"


def setup(app):
    app.connect("missing-reference", _resolve_top_level)
    app.connect("missing-reference", _resolve_citation)
    app.connect("autodoc-skip-member", _skip_member)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
