"""The import rule of docs/architecture.md, checked on the source: every module imports only
from its own layer or the layers below it.

    kernel (dispatch) ← inventory ← order core ← finance, care ← documents ← promises
        ← order surfaces ← board

Only the app shell (the factory, its wiring, the CLI and the demo and benchmark data) imports
upward. Imports are read from the syntax tree, so an import inside a function counts too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("dispatch", "inventory", "workorders", "board")
SHELL = {"dispatch", "dispatch.wiring", "dispatch.cli", "dispatch.demo", "dispatch.synth"}
CORE = {"models", "lifecycle", "kinds", "access", "intake", "onsite", "fees", "assignment",
        "order_parts", "queries", "photos", "schemas", "tracking", "pick_loads", "corrections"}
SURFACES = {"completion", "closing", "api", "views", "demo", "tablet"}
#: Layers, lowest first; a module may import its own layer and those before it.
LAYERS = ("kernel", "inventory", "order core", "finance", "care", "documents", "promises",
          "order surfaces", "board", "shell")
#: Rooms on the same level: neither may import the other.
PEERS = {"finance": 3, "care": 3}


def layer_of(module: str) -> str:
    if module in SHELL:
        return "shell"
    top, _, rest = module.partition(".")
    if top == "dispatch":
        return "kernel"
    if top in ("inventory", "board"):
        return top
    room = rest.split(".")[0]
    if room in ("finance", "care", "documents", "promises"):
        return room
    if room in CORE or module == "workorders":
        return "order core"
    if room in SURFACES:
        return "order surfaces"
    raise AssertionError(f"{module}: not placed in a layer — add it to tests/test_architecture.py "
                         "and docs/architecture.md")


def rank(layer: str) -> int:
    return PEERS.get(layer, LAYERS.index(layer))


def source_modules() -> dict[str, Path]:
    modules = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            modules[name] = path
    return modules


MODULES = source_modules()


def imports_of(path: Path) -> set[str]:
    """The project modules ``path`` imports (``from pkg import submodule`` names the submodule)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                found.add(candidate if candidate in MODULES else node.module)
    return {name for name in found if name.split(".")[0] in PACKAGES}


def test_every_module_has_a_layer():
    for module in MODULES:
        layer_of(module)


def upward_imports(module: str, path: Path) -> list[str]:
    mine = layer_of(module)
    return sorted(f"{name} ({layer_of(name)})" for name in imports_of(path)
                  if name in MODULES and layer_of(name) != mine
                  and (layer_of(name) == "shell" or rank(layer_of(name)) >= rank(mine)))


@pytest.mark.parametrize("module", sorted(set(MODULES) - SHELL))
def test_imports_point_down(module):
    upward = upward_imports(module, MODULES[module])
    assert not upward, f"{module} ({layer_of(module)}) imports upward or sideways: {upward}"


@pytest.mark.parametrize(("module", "source", "caught"), [
    ("dispatch.errors", "from workorders.completion import complete\n", True),
    ("inventory.stock", "def f():\n    from workorders import fees\n", True),
    ("workorders.finance.collections", "from workorders.documents import jobs\n", True),
    ("workorders.finance.collections", "from workorders.care import callbacks\n", True),
    ("workorders.onsite", "from dispatch import wiring\n", True),
    ("board.candidates", "from workorders.completion import complete\n", False),
])
def test_the_rule_catches_upward_and_sideways_imports(tmp_path, module, source, caught):
    path = tmp_path / "module.py"
    path.write_text(source)
    assert bool(upward_imports(module, path)) is caught


def test_no_folder_holds_more_than_25_modules():
    for package in PACKAGES:
        for folder in [ROOT / package, *(p for p in (ROOT / package).rglob("*") if p.is_dir())]:
            modules = [p for p in folder.glob("*.py") if p.name != "__init__.py"]
            assert len(modules) <= 25, f"{folder.relative_to(ROOT)} holds {len(modules)} modules"
