"""Read every `record(actor, action, obj, before=..., after=...)` call in factory/ without running it.

`recorded()` answers the action codes and the before/after keys the code can write, following what a
reader would follow: literals, `a if c else b`, f-strings over a known enum, a helper's parameter back to
the helper's callers (`_move(order, ..., "order.post")`), a dict built in the same function or returned
by a helper (`_snapshot(order)`), keys set one by one (`before["reach"] = ...`, `change("name", ...)`).
Whatever it cannot follow is listed as a problem, so a new way of recording fails loudly instead of
slipping past the label check.
"""

from __future__ import annotations

import ast
import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from factory.production.models import MovementKind

FACTORY = Path(__file__).resolve().parents[2] / "factory"

# f-string pieces of action codes and the values they take.
EXPANSIONS: dict[str, list[str]] = {"kind.value": [k.value for k in MovementKind]}


@dataclass
class Found:
    actions: dict[str, str] = field(default_factory=dict)  # code -> where it is recorded
    keys: dict[str, str] = field(default_factory=dict)  # before/after key -> where
    problems: list[str] = field(default_factory=list)
    calls: int = 0


class Module:
    def __init__(self, path: Path, root: Path) -> None:
        self.path = path
        self.root = root
        self.source = path.read_text(encoding="utf-8")
        self.tree = ast.parse(self.source, str(path))
        self.parent: dict[ast.AST, ast.AST] = {}
        for node in ast.walk(self.tree):
            for child in ast.iter_child_nodes(node):
                self.parent[child] = node
        self.functions: dict[str, list[ast.FunctionDef]] = {}
        for node in ast.walk(self.tree):
            if isinstance(node, ast.FunctionDef):
                self.functions.setdefault(node.name, []).append(node)
        self.record_names = {
            alias.asname or alias.name
            for node in ast.walk(self.tree)
            if isinstance(node, ast.ImportFrom) and node.module == "factory.audit.services"
            for alias in node.names
            if alias.name == "record"
        }

    def where(self, node: ast.AST) -> str:
        return f"{self.path.relative_to(self.root.parent)}:{getattr(node, 'lineno', '?')}"

    def enclosing(self, node: ast.AST) -> ast.FunctionDef | None:
        while node in self.parent:
            node = self.parent[node]
            if isinstance(node, ast.FunctionDef):
                return node
        return None

    def calls_to(self, name: str) -> Iterable[ast.Call]:
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Call):
                func = node.func
                if (isinstance(func, ast.Name) and func.id == name) or (
                    isinstance(func, ast.Attribute) and func.attr == name
                ):
                    yield node

    def record_calls(self) -> Iterable[ast.Call]:
        for name in self.record_names:
            for call in self.calls_to(name):
                if isinstance(call.func, ast.Name):
                    yield call


def _argument(call: ast.Call, position: int, name: str) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg == name:
            return keyword.value
    if position < len(call.args) and not any(isinstance(a, ast.Starred) for a in call.args[: position + 1]):
        return call.args[position]
    return None


def _parameter(function: ast.FunctionDef, name: str) -> int | None:
    """The position of parameter `name` (-1 for a keyword-only one), None when it is not a parameter."""
    positional = [a.arg for a in function.args.posonlyargs + function.args.args]
    if name in positional:
        return positional.index(name)
    if name in [a.arg for a in function.args.kwonlyargs]:
        return -1
    return None


def strings(module: Module, node: ast.expr, depth: int = 0) -> tuple[set[str], list[str]]:
    """The string values `node` can take, and what could not be followed."""
    if depth > 6:
        return set(), [f"{module.where(node)}: too deep to follow"]
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}, []
    if isinstance(node, ast.IfExp):
        a, pa = strings(module, node.body, depth + 1)
        b, pb = strings(module, node.orelse, depth + 1)
        return a | b, pa + pb
    if isinstance(node, ast.JoinedStr):
        pieces: list[list[str]] = []
        for part in node.values:
            if isinstance(part, ast.Constant):
                pieces.append([str(part.value)])
            elif isinstance(part, ast.FormattedValue):
                text = ast.get_source_segment(module.source, part.value) or ""
                if text not in EXPANSIONS:
                    return set(), [
                        f"{module.where(node)}: f-string over {text!r}: add its values to EXPANSIONS"
                    ]
                pieces.append(EXPANSIONS[text])
        return {"".join(p) for p in itertools.product(*pieces)}, []
    if isinstance(node, ast.Name):
        return _from_callers(module, node, depth)
    return set(), [f"{module.where(node)}: cannot read {ast.unparse(node)!r}"]


def _from_callers(module: Module, node: ast.Name, depth: int) -> tuple[set[str], list[str]]:
    """A helper's parameter: the values its callers in the module pass."""
    function = module.enclosing(node)
    position = _parameter(function, node.id) if function else None
    if function is None or position is None:
        return set(), [f"{module.where(node)}: {node.id!r} is not a parameter; pass a literal"]
    values: set[str] = set()
    problems: list[str] = []
    callers = [c for c in module.calls_to(function.name) if module.enclosing(c) is not function]
    if not callers:
        problems.append(f"{module.where(node)}: nobody in the module calls {function.name}()")
    for call in callers:
        offset = 1 if isinstance(call.func, ast.Attribute) and position > 0 and _is_method(function) else 0
        argument = _argument(call, position - offset if position >= 0 else 10**6, node.id)
        if argument is None:
            default = _default(function, node.id)
            if default is None:
                problems.append(f"{module.where(call)}: no value for {node.id!r}")
                continue
            argument = default
        more, trouble = strings(module, argument, depth + 1)
        values |= more
        problems += trouble
    return values, problems


def _is_method(function: ast.FunctionDef) -> bool:
    return bool(function.args.args) and function.args.args[0].arg in ("self", "cls")


def _default(function: ast.FunctionDef, name: str) -> ast.expr | None:
    args = function.args
    positional = args.posonlyargs + args.args
    for arg, default in zip(positional[len(positional) - len(args.defaults) :], args.defaults, strict=True):
        if arg.arg == name:
            return default
    for arg, kw_default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
        if arg.arg == name:
            return kw_default
    return None


# ---------------------------------------------------------------- the keys of before/after


def keys(
    module: Module, node: ast.expr, scope: ast.FunctionDef | None, depth: int = 0
) -> tuple[set[str], list[str]]:
    """The keys a before/after value can hold."""
    if depth > 6:
        return set(), [f"{module.where(node)}: too deep to follow"]
    if isinstance(node, ast.Constant) and node.value is None:
        return set(), []
    if isinstance(node, ast.Dict):
        found: set[str] = set()
        problems: list[str] = []
        for key, value in zip(node.keys, node.values, strict=True):
            if key is None:  # **spread
                more, trouble = _spread(module, value, scope, depth + 1)
            else:
                more, trouble = strings(module, key, depth + 1)
            found |= more
            problems += trouble
        return found, problems
    if isinstance(node, ast.IfExp):
        a, pa = keys(module, node.body, scope, depth + 1)
        b, pb = keys(module, node.orelse, scope, depth + 1)
        return a | b, pa + pb
    if isinstance(node, ast.DictComp) and isinstance(node.value, ast.Subscript):
        return keys(module, node.value.value, scope, depth + 1)  # {k: before[k] for k in ...}: before's keys
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in module.functions:
        return _returned(module, node.func.id, depth)
    if isinstance(node, ast.Name | ast.Attribute) and scope is not None:
        return _built(module, node, scope, depth)
    return set(), [f"{module.where(node)}: cannot read the keys of {ast.unparse(node)!r}"]


def _spread(
    module: Module, value: ast.expr, scope: ast.FunctionDef | None, depth: int
) -> tuple[set[str], list[str]]:
    if (
        isinstance(value, ast.Name)
        and scope is not None
        and scope.args.kwarg
        and scope.args.kwarg.arg == value.id
    ):
        return _kwargs(module, scope, value.id)
    return keys(module, value, scope, depth)


def _kwargs(module: Module, function: ast.FunctionDef, name: str) -> tuple[set[str], list[str]]:
    """The keywords callers pass into `**name`, less those the function pops before recording."""
    named = {a.arg for a in function.args.posonlyargs + function.args.args + function.args.kwonlyargs}
    popped = {
        call.args[0].value
        for call in ast.walk(function)
        if isinstance(call, ast.Call)
        and isinstance(call.func, ast.Attribute)
        and call.func.attr == "pop"
        and isinstance(call.func.value, ast.Name)
        and call.func.value.id == name
        and call.args
        and isinstance(call.args[0], ast.Constant)
    }
    found = {
        kw.arg
        for call in module.calls_to(function.name)
        for kw in call.keywords
        if kw.arg is not None and kw.arg not in named
    }
    return found - popped, []


def _returned(module: Module, name: str, depth: int) -> tuple[set[str], list[str]]:
    found: set[str] = set()
    problems: list[str] = []
    for function in module.functions[name]:
        for node in ast.walk(function):
            if isinstance(node, ast.Return) and node.value is not None:
                more, trouble = keys(module, node.value, function, depth + 1)
                found |= more
                problems += trouble
    return found, problems


def _built(
    module: Module, target: ast.Name | ast.Attribute, scope: ast.FunctionDef, depth: int
) -> tuple[set[str], list[str]]:
    """Keys of a dict the function builds: assigned whole, or key by key (also through a nested helper)."""
    text = ast.unparse(target)
    found: set[str] = set()
    problems: list[str] = []
    assigned = False
    for node in ast.walk(scope):
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            value = node.value
            for t in targets:
                if isinstance(t, ast.Tuple) and isinstance(value, ast.Tuple):
                    pairs = list(zip(t.elts, value.elts, strict=False))
                else:
                    pairs = [(t, value)]
                for one, val in pairs:
                    if ast.unparse(one) == text and val is not None:
                        assigned = True
                        more, trouble = keys(module, val, scope, depth + 1)
                        found |= more
                        problems += trouble
                    if isinstance(one, ast.Subscript) and ast.unparse(one.value) == text:
                        assigned = True
                        more, trouble = strings(module, one.slice, depth + 1)
                        found |= more
                        problems += trouble
    if not assigned:
        problems.append(f"{module.where(target)}: cannot see how {text!r} is built")
    return found, problems


def recorded(root: Path = FACTORY) -> Found:
    out = Found()
    for path in sorted(root.rglob("*.py")):
        module = Module(path, root)
        for call in module.record_calls():
            out.calls += 1
            where = module.where(call)
            action = _argument(call, 1, "action")
            if action is None:
                out.problems.append(f"{where}: record() without an action")
                continue
            codes, problems = strings(module, action)
            out.problems += problems
            for code in codes:
                out.actions.setdefault(code, where)
            scope = module.enclosing(call)
            for side in ("before", "after"):
                value = _argument(call, 99, side)
                if value is None:
                    continue
                names, problems = keys(module, value, scope)
                out.problems += problems
                for name in names:
                    out.keys.setdefault(name, where)
    return out
