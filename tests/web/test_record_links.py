"""The event page leads to its case report, FHIR JSON and trail; the session page to its
events. Every link answers."""

import re

from django.urls import reverse


def hrefs(html: str) -> set[str]:
    return set(re.findall(r'href="([^"#]+)"', html))


def test_a_directors_event_page_links_to_its_case_report_fhir_and_trail(
    signed_in, director, submitted_event
):
    client = signed_in(director)
    page = client.get(reverse("event-detail", args=[submitted_event.pk])).text
    documents = {
        reverse("event-case-report", args=[submitted_event.pk]),
        reverse("event-fhir", args=[submitted_event.pk]),
        reverse("audit:trail", args=["events.adverseevent", submitted_event.pk]),
    }

    assert documents <= hrefs(page)
    for url in documents:
        assert client.get(url).status_code == 200, url


def test_a_nurse_is_not_offered_the_directors_documents(signed_in, nurse, submitted_event):
    page = signed_in(nurse).get(reverse("event-detail", args=[submitted_event.pk])).text

    assert reverse("event-case-report", args=[submitted_event.pk]) not in page


def test_the_session_page_links_to_each_of_its_events(
    signed_in, nurse, submitted_event, draft_event
):
    page = signed_in(nurse).get(reverse("session-detail", args=[submitted_event.session_id])).text

    assert {
        reverse("event-detail", args=[submitted_event.pk]),
        reverse("event-detail", args=[draft_event.pk]),
    } <= hrefs(page)
    assert "Events of this session (2)" in page
