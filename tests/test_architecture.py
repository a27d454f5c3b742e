"""The house rules of crmlib, read from its source with `ast` (nothing is imported).

1. No module reaches into another's private parts: no ``from crmlib.x import _y``, no import of a
   private module (``crmlib.clv._fit``), no ``module._helper`` on an imported crmlib module.
2. No module over 400 lines, except the declarative schema (crmlib/data/schema.py).
3. No import cycle among crmlib modules (imports at module level; not those inside functions or
   under ``if TYPE_CHECKING``).
4. Every public function and class (in a module's ``__all__``) has a numpydoc docstring with a
   ``Parameters`` section when it takes parameters and a ``Returns`` (or ``Yields``) section when
   it returns something.

Each failure names the file, the line and the name, so it can be fixed from the message alone.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

PACKAGE = "crmlib"
ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / PACKAGE
MAX_LINES = 400
LONG_ALLOWED = {"crmlib/data/schema.py"}  # declarative: one entry per table and column


@dataclass(frozen=True)
class Module:
    """One crmlib module: its dotted name, path relative to the repo, and parsed source."""

    name: str
    rel: str
    tree: ast.Module
    lines: int
    is_package: bool


@cache
def modules() -> dict[str, Module]:
    """Every module under crmlib/, by dotted name."""
    out = {}
    for path in sorted(SRC.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        is_package = parts[-1] == "__init__"
        name = ".".join(parts[:-1] if is_package else parts)
        text = path.read_text(encoding="utf-8")
        out[name] = Module(name, path.relative_to(ROOT).as_posix(), ast.parse(text, str(path)),
                           len(text.splitlines()), is_package)
    return out


def _private(part: str) -> bool:
    return part.startswith("_") and not (part.startswith("__") and part.endswith("__"))


def _absolute(mod: Module, node: ast.ImportFrom) -> str:
    """The absolute dotted module an ImportFrom reads from (relative imports resolved)."""
    if not node.level:
        return node.module or ""
    base = mod.name.split(".")
    if not mod.is_package:
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _ours(dotted: str) -> bool:
    return dotted == PACKAGE or dotted.startswith(PACKAGE + ".")


def _type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _module_level(body: list[ast.stmt]):
    """Statements run when the module is imported: not inside functions, not under
    ``if TYPE_CHECKING`` (its ``else`` branch does run)."""
    for node in body:
        yield node
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            continue
        if isinstance(node, ast.If) and _type_checking(node.test):
            yield from _module_level(node.orelse)
            continue
        for field in ("body", "orelse", "finalbody", "handlers"):
            yield from _module_level(getattr(node, field, []) or [])


def _imports(mod: Module, *, module_level: bool):
    """(node, imported module, name or None) for every import of a crmlib module or name."""
    nodes = _module_level(mod.tree.body) if module_level else ast.walk(mod.tree)
    for node in nodes:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if _ours(alias.name):
                    yield node, alias.name, None
        elif isinstance(node, ast.ImportFrom):
            target = _absolute(mod, node)
            if _ours(target):
                for alias in node.names:
                    yield node, target, alias


# -- 1. private names ------------------------------------------------------------------------

def private_imports() -> list[str]:
    """Every import of a private name or module, and every ``module._name`` on a crmlib module."""
    found = []
    mods = modules()
    for mod in mods.values():
        bound: dict[str, str] = {}  # local name -> crmlib module it stands for
        for node, target, alias in _imports(mod, module_level=False):
            where = f"{mod.rel}:{node.lineno}"
            if alias is None:  # import crmlib.x.y [as z]
                a = next(a for a in node.names if a.name == target)
                if any(_private(p) for p in target.split(".")):
                    found.append(f"{where}: imports the private module {target}")
                if a.asname:
                    bound[a.asname] = target
                else:
                    bound[target.split(".")[0]] = target.split(".")[0]
                continue
            if any(_private(p) for p in target.split(".")):
                found.append(f"{where}: imports from the private module {target}")
            if _private(alias.name):
                found.append(f"{where}: imports the private name {alias.name} from {target}")
            if f"{target}.{alias.name}" in mods:
                bound[alias.asname or alias.name] = f"{target}.{alias.name}"
        for node in ast.walk(mod.tree):
            if isinstance(node, ast.Attribute) and _private(node.attr):
                owner = _dotted(node.value, bound)
                if owner and owner in mods and owner != mod.name:
                    found.append(f"{mod.rel}:{node.lineno}: uses the private name "
                                 f"{owner}.{node.attr}")
    return sorted(set(found))


def _dotted(node: ast.expr, bound: dict[str, str]) -> str | None:
    """The crmlib module an expression like ``metrics.funnel`` names, if it names one."""
    if isinstance(node, ast.Name):
        return bound.get(node.id)
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value, bound)
        return f"{base}.{node.attr}" if base else None
    return None


def test_no_module_uses_a_private_name_of_another():
    found = private_imports()
    assert not found, ("Private names used across modules (make the helper public, documented "
                       "and in __all__, in a module named for what it holds):\n"
                       + "\n".join(found))


# -- 2. module size --------------------------------------------------------------------------

def long_modules() -> list[str]:
    """Every crmlib module over MAX_LINES lines (except the declarative schema)."""
    return [f"{m.rel}: {m.name} has {m.lines} lines (> {MAX_LINES})"
            for m in modules().values() if m.lines > MAX_LINES and m.rel not in LONG_ALLOWED]


def test_no_module_over_400_lines():
    found = long_modules()
    assert not found, "Modules to split by what they hold:\n" + "\n".join(found)


# -- 3. import cycles ------------------------------------------------------------------------

def import_graph() -> dict[str, dict[str, int]]:
    """module -> {imported crmlib module: line of the first such import}, module level only."""
    mods = modules()
    graph: dict[str, dict[str, int]] = {name: {} for name in mods}
    for mod in mods.values():
        for node, target, alias in _imports(mod, module_level=True):
            if alias is not None and f"{target}.{alias.name}" in mods:
                target = f"{target}.{alias.name}"  # from crmlib.x import submodule
            while target not in mods and "." in target:
                target = target.rsplit(".", 1)[0]
            if target in mods and target != mod.name:
                graph[mod.name].setdefault(target, node.lineno)
    return graph


def import_cycles() -> list[str]:
    """One cycle per strongly connected group of modules, each step with its file and line."""
    graph = import_graph()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's algorithm
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    mods = modules()
    out = []
    for group in sorted(groups):
        cycle = _a_cycle(graph, group)
        steps = [f"{mods[a].rel}:{graph[a][b]} {a} imports {b}"
                 for a, b in zip(cycle, cycle[1:], strict=False)]
        out.append(f"cycle {' -> '.join(cycle)}:\n    " + "\n    ".join(steps))
    return out


def _a_cycle(graph: dict[str, dict[str, int]], group: list[str]) -> list[str]:
    """A shortest cycle through the first module of a strongly connected group."""
    start, members = group[0], set(group)
    paths = {start: [start]}
    queue = [start]
    while queue:
        v = queue.pop(0)
        for w in sorted(graph[v]):
            if w == start:
                return paths[v] + [start]
            if w in members and w not in paths:
                paths[w] = paths[v] + [w]
                queue.append(w)
    raise AssertionError(f"no cycle through {start}")  # pragma: no cover


def test_no_import_cycle():
    found = import_cycles()
    assert not found, ("Import cycles among crmlib modules (move the shared part to a module "
                       "both import, or import one way only):\n" + "\n".join(found))


# -- 4. docstrings of the public API -------------------------------------------------------

def _all_names(tree: ast.Module) -> list[str]:
    names: list[str] = []

    def strings(value: ast.expr) -> list[str]:
        if isinstance(value, (ast.List, ast.Tuple)):
            return [e.value for e in value.elts
                    if isinstance(e, ast.Constant) and isinstance(e.value, str)]
        if isinstance(value, ast.BinOp):
            return strings(value.left) + strings(value.right)
        return []

    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            names += strings(node.value)
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name) \
                and node.target.id == "__all__":
            names += strings(node.value)
    return names


def _definition(mod: Module, name: str, seen: frozenset = frozenset()):
    """(module, def node) where ``name`` of ``mod`` is defined (re-exports followed)."""
    if (mod.name, name) in seen:
        return None
    seen = seen | {(mod.name, name)}
    for node in mod.tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) \
                and node.name == name:
            return mod, node
    for node in _module_level(mod.tree.body):
        if isinstance(node, ast.ImportFrom):
            source = _absolute(mod, node)
            for alias in node.names:
                if (alias.asname or alias.name) == name and source in modules():
                    return _definition(modules()[source], alias.name, seen)
    return None


SECTION = r"^\s*{}\s*\n\s*-{{3,}}\s*$"


def _has(doc: str, *sections: str) -> bool:
    return any(re.search(SECTION.format(s), doc, re.M) for s in sections)


def _parameters(fn: ast.FunctionDef | ast.AsyncFunctionDef, *, method: bool) -> list[str]:
    a = fn.args
    names = [x.arg for x in a.posonlyargs + a.args]
    if method and names:
        names = names[1:]  # self / cls
    names += [x.arg for x in a.kwonlyargs]
    names += [f"*{a.vararg.arg}"] if a.vararg else []
    names += [f"**{a.kwarg.arg}"] if a.kwarg else []
    return names


def _own_nodes(fn: ast.AST):
    """Nodes of a function's body, not of functions or classes nested in it."""
    for child in ast.iter_child_nodes(fn):
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        yield child
        yield from _own_nodes(child)


def _gives(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> str | None:
    """'Yields' for a generator, 'Returns' when the function returns a value, else None."""
    own = list(_own_nodes(fn))
    if any(isinstance(n, (ast.Yield, ast.YieldFrom)) for n in own):
        return "Yields"
    if fn.returns is not None:
        none = isinstance(fn.returns, ast.Constant) and fn.returns.value in (None, "None")
        return None if none else "Returns"
    if any(isinstance(n, ast.Return) and n.value is not None
           and not (isinstance(n.value, ast.Constant) and n.value.value is None) for n in own):
        return "Returns"
    return None


def _dataclass(cls: ast.ClassDef) -> bool:
    def name(d: ast.expr) -> str:
        d = d.func if isinstance(d, ast.Call) else d
        return d.attr if isinstance(d, ast.Attribute) else getattr(d, "id", "")

    return any(name(d) == "dataclass" for d in cls.decorator_list) or any(
        getattr(b, "id", getattr(b, "attr", "")) == "NamedTuple" for b in cls.bases)


def _doc_problems(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> list[str]:
    doc = ast.get_docstring(node) or ""
    if not doc:
        return ["no docstring"]
    problems = []
    if isinstance(node, ast.ClassDef):
        init = next((n for n in node.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
                     and n.name == "__init__"), None)
        takes = (init is not None and _parameters(init, method=True)) or (
            init is None and _dataclass(node) and any(
                isinstance(n, ast.AnnAssign) for n in node.body))
        init_doc = (ast.get_docstring(init) or "") if init is not None else ""
        if takes and not (_has(doc, "Parameters", "Attributes") or _has(init_doc, "Parameters")):
            problems.append("no Parameters section (its constructor takes parameters)")
        return problems
    if _parameters(node, method=False) and not _has(doc, "Parameters"):
        problems.append("no Parameters section")
    gives = _gives(node)
    if gives == "Yields" and not _has(doc, "Yields", "Returns"):
        problems.append("no Yields section")
    elif gives == "Returns" and not _has(doc, "Returns"):
        problems.append("no Returns section")
    return problems


def public_api_without_docs() -> list[str]:
    """Every public function or class whose docstring lacks a numpydoc section it needs."""
    found = set()
    for mod in modules().values():
        for name in _all_names(mod.tree):
            hit = _definition(mod, name)
            if hit is None:
                continue  # a constant, a module or a name from outside crmlib
            where, node = hit
            for problem in _doc_problems(node):
                found.add(f"{where.rel}:{node.lineno}: {node.name}: {problem}")
    return sorted(found, key=lambda s: (s.split(":")[0], int(s.split(":")[1]), s))


def test_public_api_has_numpydoc_sections():
    found = public_api_without_docs()
    assert not found, (f"{len(found)} public functions/classes lack a numpydoc section "
                       "(see docs/architecture.md):\n" + "\n".join(found))


if __name__ == "__main__":  # the current violations, rule by rule
    for title, found in [("1. private names", private_imports()),
                         ("2. modules over 400 lines", long_modules()),
                         ("3. import cycles", import_cycles()),
                         ("4. public API without numpydoc sections", public_api_without_docs())]:
        print(f"== {title}: {len(found)}")
        print("\n".join(found))
        print()
