"""The library's modules import one another one way only (DESIGN.md, "Imports flow one way").

Every module of ``reservoir`` (and of ``datasets/``, installed as
``reservoir.datasets``) is parsed with :mod:`ast`; every import of a library
module counts, deferred ones inside functions included, so a cycle cannot be
hidden behind an import placed in a function body.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: Private names that may be imported from another library module: the input
#: validation and batching helpers, and the template base classes the families share.
ALLOWED_PRIVATE_SOURCES = {"reservoir._validation", "reservoir._batching",
                           "reservoir._forecaster", "reservoir._forecast"}
ALLOWED_PRIVATE_NAMES = {("reservoir.estimators", "_ReservoirModel")}


def _module_files():
    """Map dotted module name -> source file, for the library and its datasets subpackage."""
    files = {}
    for package, prefix in ((ROOT / "reservoir", "reservoir"),
                            (ROOT / "datasets", "reservoir.datasets")):
        for path in sorted(package.rglob("*.py")):
            parts = list(path.relative_to(package).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            files[".".join([prefix, *parts])] = path
    return files


MODULES = _module_files()


def _package_of(name):
    return name if MODULES[name].name == "__init__.py" else name.rsplit(".", 1)[0]


def _imports(name):
    """(target module, imported name or None) for every library import in module ``name``."""
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, None) for alias in node.names
                      if alias.name.split(".")[0] == "reservoir"]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = _package_of(name).split(".")
                base = base[:len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            if module.split(".")[0] != "reservoir":
                continue
            for alias in node.names:
                submodule = f"{module}.{alias.name}"
                if submodule in MODULES:  # ``from . import x``: the module x
                    found.append((submodule, None))
                else:
                    found.append((module, alias.name))
    return found


def _graph():
    graph = {}
    for name in MODULES:
        targets = set()
        for module, _ in _imports(name):
            while module not in MODULES and "." in module:  # a name of a package's __init__
                module = module.rsplit(".", 1)[0]
            if module in MODULES and module != name:
                targets.add(module)
        graph[name] = targets
    return graph


def _cycles(graph):
    """Strongly connected components with more than one module (Tarjan), each sorted."""
    index, low, stack, on_stack, components = {}, {}, [], set(), []
    counter = [0]

    def visit(node):
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return components


def _cycle_path(graph, component):
    """One closed path through ``component``, for the failure message."""
    members = set(component)
    start = component[0]
    path, seen = [start], {start}
    while True:
        following = sorted(t for t in graph[path[-1]] if t in members)
        if start in following and len(path) > 1:
            return path + [start]
        unvisited = [t for t in following if t not in seen]
        if not unvisited:
            return path + [following[0]]
        path.append(unvisited[0])
        seen.add(unvisited[0])


def test_the_parser_sees_the_library():
    graph = _graph()
    assert {"reservoir.esn", "reservoir.analysis", "reservoir.datasets"} <= set(graph)
    assert "reservoir.base" in graph["reservoir.esn"]
    # Deferred imports count: benchmark.runner imports model_selection inside a function.
    assert "reservoir.model_selection" in graph["reservoir.benchmark.runner"]


def test_tarjan_finds_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]
    assert _cycle_path(graph, ["a", "b", "c"]) == ["a", "b", "c", "a"]


def test_module_imports_form_no_cycle():
    graph = _graph()
    cycles = _cycles(graph)
    message = "\n".join(" -> ".join(_cycle_path(graph, c)) + f"   (modules: {', '.join(c)})"
                        for c in cycles)
    assert not cycles, f"import cycles between library modules:\n{message}"


def test_no_private_name_is_imported_from_another_module():
    offending = []
    for name in MODULES:
        for module, imported in _imports(name):
            private = imported is not None and imported.startswith("_") and not (
                imported.startswith("__") and imported.endswith("__"))  # __version__ is public
            if not private or module == name:
                continue
            if module in ALLOWED_PRIVATE_SOURCES or (module, imported) in ALLOWED_PRIVATE_NAMES:
                continue
            offending.append(f"{name} imports {module}.{imported}")
    assert not offending, ("private names imported across modules (make them public and "
                           "documented, or move them):\n" + "\n".join(offending))
