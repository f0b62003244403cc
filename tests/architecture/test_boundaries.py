"""Dependencies run one way, `exports -> reporting -> events -> audit` (docs/architecture.md),
in Python imports and in the URLs that code and templates name: an app reaches the apps below
it, never one above it, and no app imports the `config` package (configuration reaches apps
through settings)."""

import ast
import re
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

ROOT = Path(__file__).resolve().parents[2]
LAYERS = ["audit", "events", "reporting", "exports"]  # lowest first
# Template folders and the app that owns them.
TEMPLATE_OWNERS = {
    "audit": "audit",
    "events": "events",
    "accounts": "events",
    "inquiries": "events",
    "imports": "events",
    "reporting": "reporting",
    "exports": "exports",
}
URL_TAG = re.compile(r"""{%\s*url\s+['"]([\w:-]+)['"]""")
REVERSE_CALL = re.compile(r"""\b(?:reverse|redirect)\(\s*['"]([\w:-]+)['"]""")


def forbidden_for(app: str) -> set[str]:
    """The apps `app` must not reach: those above it, and config."""
    return set(LAYERS[LAYERS.index(app) + 1 :]) | {"config"}


def python_files(app: str):
    for path in sorted((ROOT / app).rglob("*.py")):
        if "migrations" not in path.parts:
            yield path


def imported_apps(path: Path) -> set[str]:
    """Top-level packages imported anywhere in a module, including inside functions."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


def url_owners() -> dict[str, str]:
    """Every URL name (with its namespace) -> the app whose view serves it."""
    owners: dict[str, str] = {}

    def walk(patterns, namespace: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern) and pattern.name:
                view = getattr(pattern.callback, "view_class", pattern.callback)
                owners[f"{namespace}{pattern.name}"] = view.__module__.split(".")[0]

    walk(get_resolver().url_patterns, "")
    return owners


@pytest.mark.parametrize("app", LAYERS)
def test_no_app_imports_an_app_above_it_or_config(app):
    offences = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in python_files(app)
        for name in sorted(imported_apps(path) & forbidden_for(app))
    ]
    assert offences == []


@pytest.mark.parametrize("app", LAYERS)
def test_no_app_names_a_url_of_an_app_above_it(app):
    owners = url_owners()
    offences = [
        f"{path.relative_to(ROOT)} names {name} ({owners[name]})"
        for path in python_files(app)
        for name in REVERSE_CALL.findall(path.read_text())
        if owners.get(name) in forbidden_for(app)
    ]
    assert offences == []


@pytest.mark.parametrize("folder", sorted(TEMPLATE_OWNERS))
def test_no_template_names_a_url_of_an_app_above_its_own(folder):
    owners = url_owners()
    forbidden = forbidden_for(TEMPLATE_OWNERS[folder])
    offences = [
        f"{path.relative_to(ROOT)} names {name} ({owners[name]})"
        for path in sorted((ROOT / "templates" / folder).rglob("*.html"))
        for name in URL_TAG.findall(path.read_text())
        if owners.get(name) in forbidden
    ]
    assert offences == []


def test_the_scan_knows_every_url_name_a_template_uses():
    """A name the scan cannot place would slip through the tests above."""
    owners = url_owners()
    unknown = {
        name
        for path in (ROOT / "templates").rglob("*.html")
        for name in URL_TAG.findall(path.read_text())
        if name not in owners
    }
    assert unknown == set()


def test_the_scan_catches_an_upward_reference(tmp_path):
    """The rules themselves: an audit module importing events, a reporting template naming an
    exports URL."""
    module = tmp_path / "upward.py"
    module.write_text("def f():\n    from events.models import Site\n")
    assert imported_apps(module) & forbidden_for("audit") == {"events"}
    assert url_owners()["events-csv"] in forbidden_for("reporting")


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, with the names imported from it (`a.b` and `a.b.c` for
    `from a.b import c`), including inside functions."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            # The type of who acts (`Actor`) is a name, not a call into the module.
            imported = [alias.name for alias in node.names if alias.name != "Actor"]
            if imported:
                names.add(node.module)
                names.update(f"{node.module}.{name}" for name in imported)
    return names


@pytest.mark.parametrize("app", LAYERS)
def test_no_selector_imports_a_service(app):
    # Reads go view -> selector, writes view -> service -> selector at most: a selector that
    # calls a service could write while reading.
    selectors = [
        path
        for path in python_files(app)
        if path.stem == "selectors" or "selectors" in path.relative_to(ROOT).parts
    ]
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            name
            for name in imported_modules(path)
            if name.split(".")[-1] == "services" or ".services." in f"{name}."
        )
        for path in selectors
    }
    assert {path: names for path, names in offenders.items() if names} == {}
