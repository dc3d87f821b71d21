"""The import direction of DESIGN.md, the README's settings and commands, by parsing the code."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# The floors, bottom to top: data in (data_loaders: store, importers, telemetry, demo, rules)
# -> read models -> caches -> map layers and views -> callbacks -> the page (dashboard).
PACKAGES = ("dashboard", "callbacks", "views", "layers", "caches", "read_models", "data_loaders")
UI = {"dash", "plotly", "flask", "dash_leaflet", "dash_ag_grid"}
# package -> top-level modules it must never import
FORBIDDEN = {
    "data_loaders": {"dashboard", "callbacks", "views", "layers", "caches", "read_models"} | UI,
    "read_models": {"dashboard", "callbacks", "views", "layers", "caches"} | UI,
    "caches": {"dashboard", "callbacks", "views", "layers"} | UI,
    "layers": {"dashboard", "callbacks", "views", "caches", "sqlalchemy"},
    "views": {"dashboard", "callbacks", "caches", "sqlalchemy"},
    "callbacks": {"dashboard"},
    "dashboard": set(),
}


def imported_tops(path: Path) -> set[str]:
    """Top-level module names a file imports (absolute imports only; we use no relative ones)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    tops = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            tops.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}: relative import"
            tops.add((node.module or "").split(".")[0])
    return tops


@pytest.mark.parametrize("package", PACKAGES)
def test_imports_point_one_way(package):
    offenders = []
    for path in sorted((ROOT / package).rglob("*.py")):
        bad = imported_tops(path) & FORBIDDEN[package]
        if bad:
            offenders.append(f"{path.relative_to(ROOT)} imports {sorted(bad)}")
    assert not offenders, "\n".join(offenders)


def test_the_check_itself_sees_a_violation(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import dash\nfrom dashboard.settings import Settings\n", encoding="utf-8")
    assert imported_tops(bad) & FORBIDDEN["data_loaders"] == {"dash", "dashboard"}


def test_every_setting_is_in_the_readme():
    from dashboard.settings import describe

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [name for name, _default, _help in describe() if name not in readme]
    assert not missing, f"README.md does not document {missing}"


def test_every_cli_command_is_in_the_readme():
    from dashboard.cli import main

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = []
    for name, cmd in main.commands.items():
        subs = getattr(cmd, "commands", None)
        commands += [f"onemap {name} {sub}" for sub in subs] if subs else [f"onemap {name}"]
    missing = [c for c in commands if c not in readme]
    assert not missing, f"README.md does not document {missing}"


def test_every_import_column_is_in_the_readme():
    from data_loaders.importers import KINDS

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [
        f"{k}.{c.name}"
        for k, kind in KINDS.items()
        for c in kind.columns
        if f"`{c.name}`" not in readme or c.zh not in readme
    ]
    assert not missing, f"README.md does not list {missing}"
