"""A director's import in the browser: upload, map the columns, read the dry run's report,
correct the file, import it. Each page is screenshotted at desktop and tablet widths and
must not scroll sideways."""

from events.models import AdverseEvent, InfusionSession
from tests.e2e.conftest import log_in
from tests.imports.files import HEADER, history_rows, to_csv

SCROLLS_SIDEWAYS = "document.documentElement.scrollWidth > document.documentElement.clientWidth"
WIDTHS = {"desktop": (1366, 900), "tablet": (820, 1180)}


def _look(page, screenshot, name: str) -> None:
    for label, (width, height) in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        assert not page.evaluate(SCROLLS_SIDEWAYS), f"{name} scrolls sideways at {width} px"
        screenshot(f"import-{name}-{label}")


def _upload(page, content: bytes, name: str) -> None:
    page.goto("/imports/")
    page.get_by_label("File").set_input_files(
        {"name": name, "mimeType": "text/csv", "buffer": content}
    )
    page.get_by_role("button", name="Upload and check").click()
    page.wait_for_url("**/imports/jobs/**")


def test_a_director_maps_checks_corrects_and_imports_a_file(page, screenshot, director, password):
    page.goto("/accounts/login/", timeout=180_000)  # the live server's first answer is slow
    log_in(page, director.username, password)
    page.goto("/imports/")
    _look(page, screenshot, "home")

    # A spreadsheet of its own: another header for the chart number, a column to ignore,
    # and one dose out of range.
    rows = history_rows(40)
    rows[7]["dose_mg_per_kg"] = "4.5"
    header = tuple("Chart" if name == "patient_chart_number" else name for name in HEADER)
    content = to_csv(
        [r | {"Chart": r["patient_chart_number"]} for r in rows], header=(*header, "Room")
    )
    _upload(page, content, "clinic-history.csv")
    page.get_by_label("Chart").select_option("patient_chart_number")
    _look(page, screenshot, "mapping")
    page.get_by_role("button", name="Check the file").click()
    page.wait_for_selector('[data-problem-count="1"]')
    assert "Dose must be more than 0 and at most 3 mg/kg." in page.inner_text("table.problems")
    _look(page, screenshot, "dry-run-problems")

    rows[7]["dose_mg_per_kg"] = "0.500"
    _upload(page, to_csv(rows), "clinic-history-corrected.csv")
    page.wait_for_selector('[data-problem-count="0"]')
    _look(page, screenshot, "dry-run-passed")
    page.get_by_role("button", name="Import 40 sessions and 20 events").click()
    page.wait_for_selector('[data-job-status="done"]')
    assert "Imported" in page.inner_text("#job-status")
    _look(page, screenshot, "done")
    assert InfusionSession.objects.count() == 40 and AdverseEvent.objects.count() == 20
