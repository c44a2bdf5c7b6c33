"""Imports go one way: a module may import its own layer and the layers below it, never above;
no one imports another package's view modules; pure rule modules import no web or database
library. The order is the one in docs/architecture.md."""

from __future__ import annotations

import ast
from pathlib import Path

import exam_app

PACKAGE_ROOT = Path(exam_app.__file__).parent

#: Lowest first. A module belongs to the first entry its dotted name starts with.
LAYERS: list[tuple[str, ...]] = [
    (
        "exam_app.config",
        "exam_app.i18n",
        "exam_app.template_gettext",
        "exam_app.db",
        "exam_app.sqlite",
        "exam_app.postgres",
        "exam_app.lazy_begin",
        "exam_app.direct",
        "exam_app.optimistic",
        "exam_app.signed_cookies",
        "exam_app.errors",
        "exam_app.extensions",
        "exam_app.security",
        "exam_app.migrate",
        "exam_app.forms",
        "exam_app.web",
        "exam_app.trees",
    ),
    ("exam_app.core",),
    ("exam_app.accounts",),
    ("exam_app.bank",),
    ("exam_app.study",),
    ("exam_app.exams",),
    ("exam_app.certificates",),
    ("exam_app.tracking",),
    ("exam_app.stats",),
    (
        "exam_app.site",
        "exam_app.demo",
        "exam_app.demo_history",
        "exam_app.cli",
        "exam_app.models",
        "exam_app",
    ),
]

#: Domain rules over plain values: no Flask (beyond gettext), no database, no clock.
PURE = (
    "exam_app.exams.assembly",
    "exam_app.exams.grading",
    "exam_app.exams.timing",
    "exam_app.bank.diff",
    "exam_app.bank.parsed",
    "exam_app.bank.validation",
    "exam_app.study.regulations",
    "exam_app.tracking.rules",
    "exam_app.tracking.reminder_rules",
    "exam_app.tracking.timeline",
    "exam_app.tracking.progress",
    "exam_app.stats.tally",
    "exam_app.stats.classical",
    "exam_app.stats.rasch",
    "exam_app.stats.outside",
    "exam_app.stats.selection",
    "exam_app.stats.summary",
    "exam_app.stats.charts",
)
IMPURE_LIBRARIES = ("flask", "flask_login", "flask_wtf", "sqlalchemy", "exam_app.db")


def layer_of(module: str) -> int:
    for index, prefixes in enumerate(LAYERS):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return index
    raise AssertionError(f"{module} is in no layer: add it to LAYERS and docs/architecture.md")


def package_of(module: str) -> str:
    return ".".join(module.split(".")[:2])


def is_views(module: str) -> bool:
    return module.rsplit(".", 1)[-1].endswith("views")


def imports_of(source: str, module: str, is_package: bool) -> list[str]:
    """Every module ``source`` imports (absolute names; relative ones resolved)."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                base = base[: len(base) - node.level + (1 if is_package else 0)]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            found.append(name)
            # ``from exam_app.exams import views`` imports the module exam_app.exams.views
            found.extend(f"{name}.{alias.name}" for alias in node.names)
    return found


def violations(modules: dict[str, tuple[str, bool]], known: set[str]) -> list[str]:
    """``modules``: name -> (source, is_package). ``known``: every module name that exists."""
    problems = []
    for module, (source, is_package) in sorted(modules.items()):
        for target in dict.fromkeys(imports_of(source, module, is_package)):
            if module in PURE and target in IMPURE_LIBRARIES:
                problems.append(f"{module} is pure but imports {target}")
            # Every import runs exam_app/__init__ first; that says nothing about layers.
            if target == "exam_app" or target not in known:
                continue
            if layer_of(target) > layer_of(module):
                problems.append(f"{module} (lower) imports {target} (higher)")
            own_package_entry = is_package and package_of(target) == module
            views_beside_views = is_views(module) and package_of(target) == package_of(module)
            if is_views(target) and not (own_package_entry or views_beside_views):
                problems.append(f"{module} imports the view module {target}")
    return problems


def _installed_modules() -> dict[str, tuple[str, bool]]:
    modules = {}
    for path in PACKAGE_ROOT.rglob("*.py"):
        parts = path.relative_to(PACKAGE_ROOT.parent).with_suffix("").parts
        is_package = parts[-1] == "__init__"
        name = ".".join(parts[:-1] if is_package else parts)
        modules[name] = (path.read_text(encoding="utf-8"), is_package)
    return modules


def test_imports_go_one_way() -> None:
    modules = _installed_modules()
    assert violations(modules, set(modules)) == []


def test_the_check_sees_an_upward_import_a_views_import_and_an_impure_rule() -> None:
    modules = {
        "exam_app.core.audit": ("from exam_app.accounts.models import User\n", False),
        "exam_app.accounts.models": ("", False),
        "exam_app.exams.cli": ("from exam_app.exams import views\n", False),
        "exam_app.exams.views": ("", False),
        "exam_app.exams": ("from exam_app.exams import views\n", True),
        "exam_app.exams.grading": ("from sqlalchemy import select\n", False),
    }
    assert violations(modules, set(modules)) == [
        "exam_app.core.audit (lower) imports exam_app.accounts.models (higher)",
        "exam_app.exams.cli imports the view module exam_app.exams.views",
        "exam_app.exams.grading is pure but imports sqlalchemy",
    ]
