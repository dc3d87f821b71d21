"""The import direction of DESIGN.md, the README's settings and commands, by parsing the code."""

from __future__ import annotations

import ast
import re
import typing
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


def upward_any(path: Path, forbidden: set[str]) -> list[str]:
    """Names annotated `Any` whose comment (on their line or the line above) names a module
    the package may not import: an upward dependency hidden from the import check."""
    lines = path.read_text(encoding="utf-8").splitlines()
    found = []
    for node in ast.walk(ast.parse("\n".join(lines))):
        if isinstance(node, ast.AnnAssign):
            annotation, name = node.annotation, ast.unparse(node.target)
        elif isinstance(node, ast.arg) and node.annotation is not None:
            annotation, name = node.annotation, node.arg
        else:
            continue
        if not re.search(r"\bAny\b", ast.unparse(annotation)):
            continue
        near = lines[max(0, node.lineno - 2) : node.lineno]
        comments = " ".join(line.split("#", 1)[1] for line in near if "#" in line)
        named = set(re.findall(r"\b([a-z_]+)\.[A-Za-z_]", comments)) & forbidden
        if named:
            where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
            found.append(f"{where}:{node.lineno} {name}: Any names {sorted(named)}")
    return found


@pytest.mark.parametrize("package", PACKAGES)
def test_no_upward_dependency_hides_behind_any(package):
    offenders = []
    for path in sorted((ROOT / package).rglob("*.py")):
        offenders += upward_any(path, FORBIDDEN[package])
    assert not offenders, "\n".join(offenders)


def test_the_any_check_itself_sees_one(tmp_path):
    (tmp_path / "deps.py").write_text(
        "from typing import Any\n\n\nclass Deps:\n"
        "    cache: Any = None  # dashboard.map_data.MapData\n"
        "    # the request's dashboard.auth.Identity\n"
        "    user: Any = None\n"
        "    fine: Any = None  # any JSON value\n",
        encoding="utf-8",
    )
    found = upward_any(tmp_path / "deps.py", FORBIDDEN["callbacks"])
    assert [f.split(" ", 1)[1] for f in found] == [
        "cache: Any names ['dashboard']",
        "user: Any names ['dashboard']",
    ]


def test_deps_are_typed():
    """What callbacks receive is typed: no field of Deps is Any (a cache or a user typed Any
    is a dependency the direction check cannot see)."""
    from callbacks.deps import Deps

    def has_any(hint: object) -> bool:
        return hint is typing.Any or any(has_any(a) for a in typing.get_args(hint))

    hints = typing.get_type_hints(Deps)
    untyped = [name for name, hint in hints.items() if has_any(hint)]
    assert not untyped, f"Deps fields typed Any: {untyped}"


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
