"""The trail PDF reads like the trail page: newest version first, saying so, and the first
page holds the record's history, not only its signatures."""

import re

from events.services.adverse_events import adverse_event_update
from tests.exports.helpers import words_outside_margins
from tests.exports.test_audit_log_pdf import pages_of


def test_the_trail_pdf_lists_versions_newest_first_from_page_one(
    client, auditor, nurse, dataset, tmp_path
):
    event = dataset.e1
    for grade in (2, 1, 2):
        event = adverse_event_update(
            event=event,
            actor=nurse,
            data={"grade": grade},
            expected_version=event.version,
            reason=f"Regraded to {grade}",
        )
    client.force_login(auditor)

    response = client.get(f"/exports/audit/trail/events.adverseevent/{event.pk}.pdf")

    pages = pages_of(response.content, tmp_path)
    numbers = [int(n) for n in re.findall(r"Version (\d+): ", " ".join(pages))]
    assert numbers == sorted(numbers, reverse=True) and len(numbers) >= 4
    assert "newest first" in pages[0]
    assert f"Version {numbers[0]}: Changed" in pages[0]
    assert words_outside_margins(response.content, tmp_path) == []


def test_a_signed_events_first_page_holds_its_signatures_and_its_latest_version(
    client, auditor, dataset, tmp_path
):
    client.force_login(auditor)

    response = client.get(f"/exports/audit/trail/events.adverseevent/{dataset.e2.pk}.pdf")

    first = pages_of(response.content, tmp_path)[0]
    assert "Signatures" in first and "Dana Director" in first
    assert re.search(r"Version \d+: ", first)
