"""The layout rules of architecture.md, checked on the source: dependencies point one
way, and every module declares its public names."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "evroster"
MODULES = sorted(p for p in SRC.rglob("*.py") if "migrations/versions" not in p.as_posix())


def _name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


# What each layer may import from evroster itself (domain: nothing but the stdlib).
ALLOWED = {
    "evroster.domain": ("evroster.domain",),
    "evroster.services": (
        "evroster.domain",
        "evroster.services",
        "evroster.errors",
        "evroster.storage.base",
    ),
    "evroster.storage": ("evroster.domain", "evroster.storage", "evroster.errors"),
    "evroster.csms": (
        "evroster.domain",
        "evroster.services",
        "evroster.errors",
        "evroster.storage.base",
        "evroster.csms",
    ),
    # The console is a second face of the API: it takes the same input models and words
    # the decisions the same way.
    "evroster.console": (
        "evroster.domain",
        "evroster.services",
        "evroster.errors",
        "evroster.storage.base",
        "evroster.config",
        "evroster.console",
        "evroster.api.schemas",
        "evroster.transfer",
    ),
    # The file format speaks the API's vocabulary and validates with its models.
    "evroster.transfer": (
        "evroster.domain",
        "evroster.services",
        "evroster.errors",
        "evroster.storage.base",
        "evroster.transfer",
        "evroster.api.schemas",
    ),
}


@pytest.mark.parametrize("path", MODULES, ids=lambda p: _name(p))
def test_dependencies_point_one_way(path: Path) -> None:
    module = _name(path)
    imports = _imports(path)
    if module.startswith("evroster.domain"):
        third_party = {i for i in imports if i.split(".")[0] not in sys.stdlib_module_names}
        assert third_party <= {"__future__"}, third_party
    for layer, allowed in ALLOWED.items():
        if module.startswith(layer):
            ours = {i for i in imports if i.startswith("evroster")}
            assert all(i.startswith(allowed) for i in ours), (module, ours)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: _name(p))
def test_modules_declare_all_and_stay_small(path: Path) -> None:
    tree = ast.parse(path.read_text())
    if path.name not in ("__main__.py", "env.py"):
        assert any(
            isinstance(n, ast.Assign | ast.AnnAssign)
            and any(
                isinstance(t, ast.Name) and t.id == "__all__"
                for t in (n.targets if isinstance(n, ast.Assign) else [n.target])
            )
            for n in tree.body
        )
    assert len(path.read_text().splitlines()) < 500


def test_only_the_http_adapters_know_http_statuses() -> None:
    for path in MODULES:
        if not _name(path).startswith(("evroster.api", "evroster.console")):
            text = path.read_text()
            assert "status_code" not in text and "HTTPException" not in text, path
