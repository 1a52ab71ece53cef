"""The apps depend on each other one way (docs/architecture.md): an app imports only the apps
before it, and no app imports another app's pages. Read from the source, so a new import
that breaks the direction fails here before it tangles the code."""

import ast
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
APPS = ("followup_crm", "clients", "touchpoints", "surveys", "reports", "webhooks", "telephony")

# What each app may import. followup_crm is the base every app builds on; its project modules
# (below) wire the apps together and may read them all.
ALLOWED = {
    "followup_crm": set(),
    "clients": {"followup_crm"},
    "touchpoints": {"followup_crm", "clients"},
    "surveys": {"followup_crm", "clients", "touchpoints"},
    "reports": {"followup_crm", "clients", "touchpoints", "surveys"},
    "webhooks": {"followup_crm", "clients", "touchpoints", "surveys"},
    # Telegram's survey buttons answer a survey: surveys is known too.
    "telephony": {"followup_crm", "clients", "touchpoints", "surveys"},
}
PROJECT_MODULES = {"followup_crm/urls.py", "followup_crm/api_urls.py", "followup_crm/navigation.py"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def sources(app: str) -> list[Path]:
    return [p for p in (ROOT / app).rglob("*.py") if "migrations" not in p.parts]


def app_of(module: str) -> str | None:
    top = module.split(".")[0]
    return top if top in APPS else None


@pytest.mark.parametrize("app", APPS)
def test_an_app_imports_only_the_apps_before_it(app):
    wrong = {}
    for path in sources(app):
        if path.relative_to(ROOT).as_posix() in PROJECT_MODULES:
            continue
        used = {app_of(name) for name in imported_modules(path)} - {None, app}
        if used - ALLOWED[app]:
            wrong[path.relative_to(ROOT).as_posix()] = sorted(used - ALLOWED[app])

    assert wrong == {}


@pytest.mark.parametrize("app", APPS)
def test_no_app_imports_another_apps_pages(app):
    wrong = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in sources(app)
        for name in imported_modules(path)
        if app_of(name) not in (None, app)
        and any(part == "views" or part.endswith("_views") for part in name.split(".")[1:])
    ]

    assert wrong == []


def test_the_checks_see_a_wrong_import(tmp_path):
    module = tmp_path / "module.py"
    module.write_text("from reports.selectors import Period\nfrom clients.views import x\n")

    names = imported_modules(module)

    assert {app_of(name) for name in names} - {None} == {"reports", "clients"}
    assert "clients.views" in names
