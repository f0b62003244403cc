"""The CSV listing's hard cells, downloaded as a user would, against a listing written
independently here: each event's own values, local times through zoneinfo, text through the
Python formula guard, and the quoting PostgreSQL's COPY uses (a field holding a double quote,
a comma, a carriage return or a line feed goes in double quotes, its quotes doubled).

Two zones, each with times either side of both of its 2026 offset changes: Chicago (UTC-6,
UTC-5 in summer) and Adelaide (UTC+9:30, UTC+10:30 in the southern summer), plus one
Chicago event from 1999 so the offsets reach far from the rest of the data.
"""

import csv
import io
from datetime import timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.urls import reverse

from audit.services import audited_save
from events.choices import EventStatus, SessionStatus
from events.models import ElectronicSignature, EventTerm
from exports.csv_listing import LISTING_COLUMNS
from exports.formula_guard import guard_cell
from tests.exports.helpers import INJECTIONS, NON_ASCII, at, body, exported
from tests.factories import (
    AdverseEventFactory,
    InfusionSessionFactory,
    PatientFactory,
    SiteFactory,
)

HOSTILE_TEXTS = [
    'She said "stop", then left',
    "first line\nsecond line",
    "first line\r\nsecond line",
    "a, b and c",
    '"quoted"',
    *INJECTIONS,
    '=HYPERLINK("http://x", "click")',
    NON_ASCII,
]


def completed_session(patient, start):
    return InfusionSessionFactory(
        patient=patient,
        status=SessionStatus.COMPLETED,
        started_at=start,
        ended_at=start + timedelta(minutes=40),
    )


@pytest.fixture
def listing_events(north, nurse, director, auditor):
    adelaide = SiteFactory(code="adelaide", timezone="Australia/Adelaide")
    chicago_patient = PatientFactory(site=north, chart_number='N-1, "the first"')
    adelaide_patient = PatientFactory(site=adelaide, chart_number="=A1\nA-1")
    # A term whose name holds a comma.
    dissociation = EventTerm.objects.get(code="dissociation")
    events = []

    def around(patient, change):
        """A session starting an hour before an offset change, with an event in its last
        second before the change (and a fraction: dropped, never rounded up into the next
        hour and offset) and one at the change."""
        session = completed_session(patient, change - timedelta(hours=1))
        for onset in (change - timedelta(microseconds=1), change):
            events.append(
                AdverseEventFactory(
                    session=session, term=dissociation, onset_at=onset, reported_by=nurse
                )
            )

    # Chicago: clocks forward at 08:00 UTC on 8 March, back at 07:00 UTC on 1 November.
    around(chicago_patient, at(2026, 3, 8, 8, 0))
    around(chicago_patient, at(2026, 11, 1, 7, 0))
    # Adelaide: clocks back at 16:30 UTC on 4 April, forward at 16:30 UTC on 3 October.
    around(adelaide_patient, at(2026, 4, 4, 16, 30))
    around(adelaide_patient, at(2026, 10, 3, 16, 30))
    # Chicago in 1999: clocks forward at 08:00 UTC on 4 April.
    around(chicago_patient, at(1999, 4, 4, 8, 0))

    session = completed_session(chicago_patient, at(2026, 7, 1, 14, 0))
    other = EventTerm.objects.get(code="other")
    for number, text in enumerate(HOSTILE_TEXTS):
        events.append(
            AdverseEventFactory(
                session=session,
                term=other,
                onset_at=session.started_at + timedelta(minutes=number),
                grade=2,
                reported_by=nurse,
                other_term_text=text,
                rescue_medication=HOSTILE_TEXTS[-1 - number],
                resolved_at=session.started_at + timedelta(hours=2, seconds=number),
                submitted_at=session.started_at + timedelta(hours=3),
                causality="possible",
                status=EventStatus.SUBMITTED,
            )
        )
    signature = ElectronicSignature(
        event=events[-1],
        signed_by=director,
        signer_name='Dana "DD" Director, MD',
        signed_at=at(2026, 7, 2, 18, 30, 15),
        event_version=events[-1].version,
        content_hash="0" * 64,
    )
    with transaction.atomic():
        audited_save(signature, actor=director, reason="Reviewed and approved")
    for event in events:
        event.refresh_from_db()
    return SimpleNamespace(events=events)


def download(client, user) -> bytes:
    client.force_login(user)
    response = exported(client, reverse("events-csv"))
    assert response.status_code == 200
    return body(response)


def local(moment, zone_name: str) -> str:
    if moment is None:
        return ""
    return moment.astimezone(ZoneInfo(zone_name)).isoformat(timespec="seconds")


def text(value: str) -> str:
    return guard_cell(value) if value else ""


def expected_cells(event) -> list[str]:
    session, site, term = event.session, event.site, event.term
    signature = event.signatures.filter(superseded_at__isnull=True).first()
    zone = site.timezone
    return [
        str(event.pk),
        str(session.pk),
        text(site.code),
        zone,
        text(session.patient.chart_number),
        session.patient.indication,
        session.drug,
        session.route,
        f"{session.dose_mg_per_kg:.3f}",
        f"{session.weight_kg:.1f}",
        f"{session.total_dose_mg:.2f}",
        session.dose_band,
        str(session.sequence_number),
        local(session.started_at, zone),
        local(event.onset_at, zone),
        "" if event.onset_minutes is None else str(event.onset_minutes),
        local(event.resolved_at, zone),
        term.code,
        text(term.name),
        text(event.other_term_text),
        term.category,
        str(event.grade),
        *(
            "true" if getattr(event, name) else "false"
            for name in LISTING_COLUMNS
            if name.startswith("is_") and name != "is_draft"
        ),
        event.outcome,
        event.action_taken,
        text(event.rescue_medication),
        text(event.causality),
        event.dechallenge,
        event.rechallenge,
        event.detected_by,
        event.status,
        text(event.reported_by.username),
        local(event.created_at, zone),
        local(event.submitted_at, zone),
        local(signature.signed_at, zone) if signature else "",
        text(signature.signer_name) if signature else "",
        "true" if event.status == "draft" else "false",
        session.status,
    ]


def copy_field(cell: str) -> str:
    if any(character in cell for character in '",\r\n'):
        return '"' + cell.replace('"', '""') + '"'
    return cell


def test_the_listing_is_byte_for_byte_the_csv_written_here_from_each_events_values(
    client, auditor, listing_events
):
    events = sorted(listing_events.events, key=lambda event: event.pk)
    lines = [list(LISTING_COLUMNS), *(expected_cells(event) for event in events)]
    expected = "".join(",".join(map(copy_field, cells)) + "\n" for cells in lines)

    content = download(client, auditor)

    assert content.decode("utf-8") == expected
    assert list(csv.reader(io.StringIO(content.decode(), newline=""))) == lines


def test_text_with_quotes_commas_and_line_breaks_reads_back_exactly(
    client, auditor, listing_events
):
    rows = csv.DictReader(io.StringIO(download(client, auditor).decode(), newline=""))
    by_id = {int(row["event_id"]): row for row in rows}
    hostile = listing_events.events[-len(HOSTILE_TEXTS) :]

    assert [by_id[event.pk]["other_term_text"] for event in hostile] == [
        guard_cell(text) for text in HOSTILE_TEXTS
    ]
    assert by_id[hostile[0].pk]["other_term_text"] == 'She said "stop", then left'
    assert by_id[hostile[5].pk]["other_term_text"] == "'=1+1"
    assert by_id[hostile[-1].pk]["signed_off_by"] == 'Dana "DD" Director, MD'
    assert by_id[hostile[0].pk]["patient_chart_number"] == 'N-1, "the first"'
    dissociation = by_id[listing_events.events[0].pk]["term"]
    assert dissociation == "Dissociation (depersonalisation, derealisation)"


def test_times_either_side_of_an_offset_change_carry_the_offset_then_in_force(
    client, auditor, listing_events
):
    rows = csv.DictReader(io.StringIO(download(client, auditor).decode(), newline=""))
    onsets = [row["onset_at"] for row in rows][:10]

    assert onsets == [
        "2026-03-08T01:59:59-06:00",
        "2026-03-08T03:00:00-05:00",
        "2026-11-01T01:59:59-05:00",
        "2026-11-01T01:00:00-06:00",
        "2026-04-05T02:59:59+10:30",
        "2026-04-05T02:00:00+09:30",
        "2026-10-04T01:59:59+09:30",
        "2026-10-04T03:00:00+10:30",
        "1999-04-04T01:59:59-06:00",
        "1999-04-04T03:00:00-05:00",
    ]


def test_empty_values_are_empty_fields(client, auditor, listing_events):
    rows = list(csv.DictReader(io.StringIO(download(client, auditor).decode(), newline="")))
    first = rows[0]

    assert (first["resolved_at"], first["submitted_at"], first["causality"]) == ("", "", "")
    assert (first["other_term_text"], first["signed_off_at"], first["signed_off_by"]) == (
        "",
        "",
        "",
    )


def test_with_no_site_at_all_the_listing_is_its_header(client, auditor):
    assert download(client, auditor).decode() == ",".join(LISTING_COLUMNS) + "\n"
