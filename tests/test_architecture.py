"""House rules that keep the layers honest (STYLE.md)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from coachprog import authority as permissions
from coachprog.extensions import db

PACKAGE = Path(__file__).resolve().parent.parent / "coachprog"
FORBIDDEN_IN_DOMAIN = ("flask", "sqlalchemy", "coachprog.extensions", "werkzeug", "apiflask")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


# Pure modules: domain.py in every package, plus the pure modules beside them (statistics,
# demographic counting, transcript formatting and matching).
PURE_BESIDE_DOMAIN = (
    "selection/impact/domain.py",
    "selection/impact/demographics.py",
    "selection/panel/domain.py",
    "selection/candidates/domain.py",
    "selection/entries/domain.py",
    "selection/appointment/domain.py",
    "recordings/review/sensitive.py",
    "people/data_rights/domain.py",
    "policy/domain.py",
    "roles.py",
    "glossary.py",
    "safeguarding/escalations/domain.py",
    "safeguarding/incidents/domain.py",
)
DOMAIN_FILES = sorted(
    {*PACKAGE.rglob("domain.py"), *(PACKAGE / name for name in PURE_BESIDE_DOMAIN)}
)
PURE_MODULES = {
    "coachprog." + str(p.relative_to(PACKAGE).with_suffix("")).replace("/", ".")
    for p in DOMAIN_FILES
}


@pytest.mark.parametrize("path", DOMAIN_FILES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_domain_modules_import_only_the_standard_library_and_other_domains(path: Path) -> None:
    assert path.exists(), path
    for name in _imports(path):
        assert not name.startswith(FORBIDDEN_IN_DOMAIN), f"{path}: imports {name}"
        if name.startswith("coachprog."):
            assert name in PURE_MODULES, f"{path}: imports {name}"


def test_there_are_domain_modules_to_check() -> None:
    assert len(DOMAIN_FILES) >= 3


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("services.py")),
                         ids=lambda p: str(p.relative_to(PACKAGE)))
def test_services_never_touch_the_request_or_commit(path: Path) -> None:
    source = path.read_text()
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "flask":
            imported = {alias.name for alias in node.names}
            assert not imported & {"request", "session", "abort", "flash", "g"}, path
            assert "current_user" not in imported
        if isinstance(node, ast.ImportFrom) and node.module == "flask_login":
            pytest.fail(f"{path}: services take the actor as an argument")
        if isinstance(node, ast.Attribute) and node.attr == "commit":
            pytest.fail(f"{path}:{node.lineno}: services flush; the caller commits")


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*views.py")),
                         ids=lambda p: str(p.relative_to(PACKAGE)))
def test_views_do_not_check_roles_themselves(path: Path) -> None:
    source = path.read_text().replace("coachprog.roles", "")  # the module's name is no check
    assert ".has_role(" not in source and not re.search(r"\.roles\b", source), (
        f"{path}: ask the permission authority (authorize/can), not the roles"
    )


def test_every_permission_predicate_is_named_can_verb_noun() -> None:
    rules = permissions.registered()
    assert rules, "no permission rules registered"
    assert all(name.startswith("can_") and name.count("_") >= 2 for name in rules)


def test_no_template_checks_roles_directly() -> None:
    for template in (PACKAGE.parent / "templates").rglob("*.html"):
        text = template.read_text()
        assert "has_role" not in text and "'admin' in" not in text, template


def test_models_and_migrations_agree(app) -> None:
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == [], f"models and migrations disagree; write a migration: {diff}"


def test_migration_files_never_import_the_app() -> None:
    for path in (PACKAGE.parent / "migrations" / "versions").glob("*.py"):
        assert not any(name.startswith("coachprog") for name in _imports(path)), path
