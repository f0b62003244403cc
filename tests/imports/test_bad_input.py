"""Files the import refuses, each with a clear message (a 400 on the web, a report of row,
column, value and message after a dry run) and nothing stored."""

import gzip
import io
import zipfile

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from events.imports.models import ImportJob, ImportStatus
from events.models import InfusionSession, Patient
from tests.conftest import login
from tests.imports.files import HEADER, history_rows, to_csv

pytestmark = pytest.mark.django_db
NOW = "2026-03-01 12:00Z"


@pytest.fixture
def web(client, director):
    return login(client, director)


def _post(client, site, content: bytes, capture, name: str = "history.csv", **extra):
    with capture(execute=True):
        return client.post(
            "/imports/", {"site": site.pk, "file": SimpleUploadedFile(name, content)}, **extra
        )


def _job(response) -> ImportJob:
    assert response.status_code == 302, response.content.decode()[-3000:]
    return ImportJob.objects.get(pk=response["Location"].rstrip("/").split("/")[-1])


def _nothing_stored() -> bool:
    return not (Patient.objects.exists() or InfusionSession.objects.exists())


def _refusal(response) -> str:
    assert response.status_code == 400
    return response.content.decode()


def test_a_file_that_is_not_utf8_is_refused_naming_the_line(
    web, north, django_capture_on_commit_callbacks
):
    content = to_csv(history_rows(3)).replace(b"trd", "trd é".encode("latin-1"), 1)
    html = _refusal(_post(web, north, content, django_capture_on_commit_callbacks))
    assert "The file is not UTF-8 text (byte 0xe9 on line 2)" in html
    assert "CSV UTF-8" in html and _nothing_stored() and not ImportJob.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_a_byte_order_mark_and_semicolons_are_read(web, north, django_capture_on_commit_callbacks):
    content = b"\xef\xbb\xbf" + to_csv(history_rows(4), separator=";")
    job = _job(_post(web, north, content, django_capture_on_commit_callbacks))
    assert job.status == ImportStatus.DONE and job.problems == []
    assert job.result["new"]["sessions"] == 4


@time_machine.travel(NOW, tick=False)
def test_empty_lines_are_read_past(web, north, django_capture_on_commit_callbacks):
    lines = to_csv(history_rows(3)).split(b"\r\n")
    content = b"\r\n".join([lines[0], b"", lines[1], b",,,", lines[2], b"", lines[3], b""])
    job = _job(_post(web, north, content, django_capture_on_commit_callbacks))
    assert job.problems == [] and job.result["rows"] == 3


def test_a_duplicated_header_is_refused_naming_both_columns(
    web, north, django_capture_on_commit_callbacks
):
    content = to_csv(history_rows(2), header=(*HEADER, "drug"))
    html = _refusal(_post(web, north, content, django_capture_on_commit_callbacks))
    assert "The header &#x27;drug&#x27; appears twice (columns" in html


@time_machine.travel(NOW, tick=False)
def test_a_missing_or_unknown_column_asks_for_a_mapping_first(
    web, north, django_capture_on_commit_callbacks
):
    header = tuple("Chart No" if name == "patient_chart_number" else name for name in HEADER)
    rows = [row | {"Chart No": row["patient_chart_number"]} for row in history_rows(3)]
    content = to_csv(rows, header=(*header, "clinician"))
    job = _job(_post(web, north, content, django_capture_on_commit_callbacks))
    assert job.status == ImportStatus.MAPPING
    html = web.get(f"/imports/jobs/{job.pk}/").content.decode()
    assert "Map the columns" in html and "Chart No" in html

    refused = web.post(f"/imports/jobs/{job.pk}/map/", {})
    assert refused.status_code == 400
    assert (
        "The required column &#x27;patient_chart_number&#x27; is missing."
        in refused.content.decode()
    )

    headers = list((*header, "clinician"))
    choices = {
        f"column_{i}": ("patient_chart_number" if h == "Chart No" else h if h in HEADER else "")
        for i, h in enumerate(headers)
    }
    with django_capture_on_commit_callbacks(execute=True):
        mapped = web.post(f"/imports/jobs/{job.pk}/map/", choices)
    assert mapped.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and job.problems == []
    assert job.mapping["Chart No"] == "patient_chart_number" and job.mapping["clinician"] == ""


@time_machine.travel(NOW, tick=False)
def test_a_dry_run_reports_each_bad_cell_and_the_file_cannot_be_imported(
    web, north, django_capture_on_commit_callbacks
):
    rows = history_rows(6)
    rows[0]["lot_number"] = '=HYPERLINK("http://x")'
    rows[1]["session_started_at"] = "2026-03-02 09:00"  # tomorrow
    rows[2]["onset_at"] = "2026-04-01 09:00"
    rows[3]["site_code"] = "south"
    rows[4]["grade"] = "five"
    rows[5]["lot_number"] = "'=A1"  # guarded by an export: the text "=A1"
    job = _job(_post(web, north, to_csv(rows), django_capture_on_commit_callbacks))
    found = {(row, column): message for row, column, value, message in job.problems}
    assert "spreadsheet formula" in found[(2, "lot_number")]
    assert "cannot start in the future" in found[(3, "session_started_at")]
    assert found[(4, "onset_at")] == "Onset cannot be in the future."
    assert "belongs to site 'south'" in found[(5, "site_code")]
    assert found[(6, "grade")] == "Enter a whole number."
    assert len(found) == 5

    report = web.get(f"/imports/jobs/{job.pk}/report.csv")
    lines = report.content.decode().splitlines()
    assert lines[0] == "row,column,value,message"
    assert lines[1].startswith('2,lot_number,"\'=HYPERLINK(""http://x"")",')  # stays text

    refused = web.post(f"/imports/jobs/{job.pk}/commit/")
    assert refused.status_code == 400 and _nothing_stored()


@pytest.mark.parametrize("kind", ["zip", "gzip"])
def test_a_compressed_archive_named_csv_is_refused_unopened(
    web, north, kind, django_capture_on_commit_callbacks
):
    # A kilobyte-sized archive of a gigabyte of zeros: opening it would be the attack.
    if kind == "zip":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("history.csv", b"0" * 20_000_000)
        content = buffer.getvalue()
    else:
        content = gzip.compress(b"0" * 20_000_000)
    assert len(content) < 100_000
    html = _refusal(_post(web, north, content, django_capture_on_commit_callbacks))
    assert "This is a compressed archive (zip, gzip...), not a CSV file." in html


def test_a_file_over_the_limit_is_refused_before_its_body_is_read(
    web, north, django_capture_on_commit_callbacks
):
    response = _post(
        web, north, b"x", django_capture_on_commit_callbacks, CONTENT_LENGTH=str(200 * 1024 * 1024)
    )
    assert "larger than the limit of 64 MB" in _refusal(response)


def test_a_file_over_the_limit_is_refused_by_its_size(
    web, north, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_MAX_BYTES = 10_000
    content = to_csv(history_rows(100))
    assert len(content) > 10_000
    assert "larger than the limit" in _refusal(
        _post(web, north, content, django_capture_on_commit_callbacks)
    )


def test_only_a_director_of_the_chosen_site_may_import(
    client, nurse, director, north, south, django_capture_on_commit_callbacks
):
    assert login(client, nurse).get("/imports/").status_code == 403
    login(client, director)
    response = _post(client, south, to_csv(history_rows(2)), django_capture_on_commit_callbacks)
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_another_directors_job_at_another_site_is_not_found(
    client, director, north, django_capture_on_commit_callbacks
):
    from tests.factories import MembershipFactory, SiteFactory, UserFactory

    west = SiteFactory(code="west")
    other = UserFactory(username="wes")
    MembershipFactory(user=other, site=west, role="medical_director")
    job = _job(
        _post(
            login(client, other),
            west,
            to_csv(history_rows(2, site="west")),
            django_capture_on_commit_callbacks,
        )
    )
    login(client, director)
    assert client.get(f"/imports/jobs/{job.pk}/").status_code == 404
    assert client.get(f"/imports/jobs/{job.pk}/report.csv").status_code == 404
