"""The layout's rules (docs/architecture.md), read from the source with `ast`: which package
may import which, what the server root holds, and how long files and functions may grow."""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SERVER = ROOT / "server"
CORE = {"nn", "kernels", "imaging", "datasets", "detection", "text"}
FEATURES = {"store", "classroom", "training", "inference", "hub", "cli", "api", "metrics"}
WIRING = {"__init__", "__main__", "main", "config", "errors", "services"}
# Root modules a core package (or the store) may use: settings and the error types.
SHARED = {"config", "errors"}
MAX_FILE_LINES, MAX_FUNCTION_LINES = 300, 50


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(source: str, module: str) -> Iterator[str]:
    """Every module `source` imports (at any depth: function-level imports count), as dotted
    names; `from server import x` yields server.x, relative imports are resolved."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = module.split(".")[: -node.level]
                base = ".".join([*parent, base] if base else parent)
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def package(module: str) -> str:
    """server.store.disk -> "store"; a root module (server.errors) -> "errors"."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "server" else ""


def _is_route(module: str) -> bool:
    return module.startswith("server.api.routes.") and module != "server.api.routes.__init__"


# Each rule: its text, and whether importer -> imported breaks it.
Rule = tuple[str, Callable[[str, str], bool]]
RULES: dict[str, Rule] = {
    # server.main is the one exception: create_app mounts the routers and middleware.
    "api": ("nothing outside server/api imports server.api (but server.main, which mounts it)",
            lambda a, b: package(a) != "api" and a != "server.main" and package(b) == "api"),
    "core": ("core packages (nn, kernels, imaging, datasets, detection, text) import only "
             "core packages, server.config and server.errors",
             lambda a, b: package(a) in CORE and package(b) != ""
             and package(b) not in CORE | SHARED),
    "store": ("the store imports only core packages, itself, server.config and server.errors "
              "(never training)",
              lambda a, b: package(a) == "store" and package(b) != ""
              and package(b) not in CORE | SHARED | {"store"}),
    "hub": ("the hub imports no feature package",
            lambda a, b: package(a) == "hub" and package(b) in FEATURES - {"hub"}),
    "routes": ("no route module imports another route module",
               lambda a, b: _is_route(a) and _is_route(b) and not b.startswith(a)),
}


def violations(files: dict[str, str], rule: Rule) -> list[str]:
    """files: module name -> source. The imports that break the rule, as "a -> b"."""
    _, breaks = rule
    found = []
    for module, source in files.items():
        for target in imports(source, module):
            if target.split(".")[0] == "server" and breaks(module, target):
                found.append(f"{module} -> {target}")
    return sorted(set(found))


def _sources() -> dict[str, str]:
    return {module_name(p): p.read_text() for p in sorted(SERVER.rglob("*.py"))}


@pytest.mark.parametrize("name", sorted(RULES))
def test_import_rule(name: str) -> None:
    text, _ = RULES[name]
    broken = violations(_sources(), RULES[name])
    assert not broken, f"{text}; these imports break it:\n" + "\n".join(broken)


@pytest.mark.parametrize(("module", "source", "rule"), [
    ("server.nn.bad", "from server.store import ModelStore", "core"),
    ("server.kernels.bad", "def f():\n    import server.training.loop", "core"),
    ("server.classroom.bad", "from server.api.deps import ServicesDep", "api"),
    ("server.cli.bad", "from server import api", "api"),
    ("server.services", "from server.api import deps", "api"),
    ("server.store.bad", "from server.training.runs import Run", "store"),
    ("server.api.routes.bad", "from server.api.routes.images import x", "routes"),
    ("server.api.routes.bad", "from .images import x", "routes"),
])
def test_the_checker_sees_a_broken_rule(module: str, source: str, rule: str) -> None:
    assert violations({module: source}, RULES[rule])


def test_the_checker_passes_allowed_imports() -> None:
    allowed = {"server.nn.ok": "from server.errors import InvalidInput\nimport numpy",
               "server.api.routes.ok": "from server.api.deps import ServicesDep",
               "server.store.ok": "from server.nn.spec import NetworkSpec"}
    assert not [v for rule in RULES.values() for v in violations(allowed, rule)]


def test_the_server_root_holds_only_wiring() -> None:
    loose = sorted(p.stem for p in SERVER.glob("*.py") if p.stem not in WIRING)
    assert not loose, f"move {loose} into the package of their feature (docs/architecture.md)"


def test_no_module_is_named_models_or_utils() -> None:
    bad = [str(p.relative_to(ROOT)) for p in SERVER.rglob("*.py")
           if p.stem in ("models", "utils")]
    assert not bad, f"{bad}: name a module after what it holds (DESIGN.md)"


def _sized() -> list[Path]:
    return sorted(SERVER.rglob("*.py"))


def test_files_stay_under_the_size_limit() -> None:
    long = [f"{p.relative_to(ROOT)}: {n} lines" for p in _sized()
            if (n := len(p.read_text().splitlines())) > MAX_FILE_LINES]
    assert not long, f"split these files (at most {MAX_FILE_LINES} lines):\n" + "\n".join(long)


def long_functions(source: str, limit: int = MAX_FUNCTION_LINES) -> list[tuple[str, int]]:
    return [(node.name, n) for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            and (n := (node.end_lineno or node.lineno) - node.lineno + 1) > limit]


def test_functions_stay_under_the_size_limit() -> None:
    long = [f"{p.relative_to(ROOT)}: {name} is {n} lines" for p in _sized()
            for name, n in long_functions(p.read_text())]
    assert not long, (f"split these functions (at most {MAX_FUNCTION_LINES} lines):\n"
                      + "\n".join(long))


def test_the_size_checker_sees_a_long_function() -> None:
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_FUNCTION_LINES))
    assert long_functions(f"def f():\n{body}\n") == [("f", MAX_FUNCTION_LINES + 1)]
