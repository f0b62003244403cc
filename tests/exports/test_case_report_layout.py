"""The case report never loses text off the page: a worst-case event (20,000-character
narrative, 40 readings, all six criteria, long 'other' term and rescue medication) prints
every word inside the margins, and what does not fit on the form continues on pages that say
what they continue."""

import pytest
from django.urls import reverse

from tests.exports.helpers import read_pdf_text, words_outside_margins
from tests.exports.worst_case import worst_case_event


@pytest.fixture
def worst_case(north, nurse):
    return worst_case_event(site=north, reporter=nurse)


def test_a_worst_case_event_prints_every_word_inside_the_page(
    client, director, worst_case, tmp_path
):
    client.force_login(director)
    response = client.get(reverse("event-case-report", args=[worst_case.pk]))

    assert response.status_code == 200
    assert words_outside_margins(response.content, tmp_path) == []
    text = " ".join(read_pdf_text(response.content, tmp_path).split())
    narrative = " ".join(worst_case.narrative.replace("-", "").split())
    assert narrative[-200:] in text.replace("-", "")  # the narrative's end is printed
    assert "B.5 Describe event: narrative (continued)" in text
    assert "B.6 Relevant tests: vital signs (continued)" in text
    assert text.count("[X]") == 7  # "adverse event" and all six criteria
    for minute in (2, 80):  # the first and the last of the 40 readings
        assert f" {minute} " in text


def test_the_continued_readings_repeat_their_column_headings_and_every_reading_is_listed(
    client, director, worst_case, tmp_path
):
    client.force_login(director)
    response = client.get(reverse("event-case-report", args=[worst_case.pk]))
    text = read_pdf_text(response.content, tmp_path)

    for systolic in range(150, 190):
        assert f"{systolic}/" in text
    assert text.count("Taken at (site time)") >= 2
