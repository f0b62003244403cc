"""A report's filters flow one way (docs/architecture.md, "How a report's filters flow"): the
views and the API parse the request once; the modules below them take the parsed value and
never reach back up into a view, the request parsing or the selectors."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REPORTING = ROOT / "reporting"
# The edge: what reads a request, and what only the edge uses to render.
EDGE = {
    "reporting.views",
    "reporting.signal_views",
    "reporting.benefit_risk_views",
    "reporting.reference_views",
    "reporting.request_filters",
    "reporting.tables",
    "reporting.api",
}
# Computations and queries that take the filters from above.
BELOW = [
    "filters",
    "scope",
    "queries",
    "rollups",
    "counted_events",
    "intervals",
    "statistics",
    "funnel",
    "summary",
    "signal_detection",
    "benefit_risk",
    "reference_rates",
    "selectors/__init__",
    "selectors/summaries",
    "selectors/listings",
]


def imports_of(path: Path) -> list[tuple[str, bool]]:
    """(module, inside a function) for every `reporting` import of a module."""
    tree = ast.parse(path.read_text(), filename=str(path))
    local = {
        id(node)
        for function in ast.walk(tree)
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef)
        for node in ast.walk(function)
    }
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        found += [(name, id(node) in local) for name in names if name.startswith("reporting")]
    return found


@pytest.mark.parametrize("module", BELOW)
def test_a_module_below_the_views_never_imports_the_edge(module):
    imported = [name for name, _ in imports_of(REPORTING / f"{module}.py")]
    assert [name for name in imported if any(name.startswith(edge) for edge in EDGE)] == []


@pytest.mark.parametrize("module", BELOW)
def test_a_module_below_the_views_never_calls_back_into_the_selectors(module):
    inside_functions = [name for name, local in imports_of(REPORTING / f"{module}.py") if local]
    # A package may load its own parts when first asked (the selectors defer the summaries).
    own_parts = f"reporting.{module.removesuffix('/__init__')}." if "__init__" in module else None
    callbacks = [
        name
        for name in inside_functions
        if name.startswith("reporting.selectors")
        and not (own_parts and (name.startswith(own_parts) or name == own_parts[:-1]))
    ]
    assert callbacks == []


def test_the_filters_value_imports_no_other_reporting_module():
    assert [name for name, _ in imports_of(REPORTING / "filters.py")] == []
