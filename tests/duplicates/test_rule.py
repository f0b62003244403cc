"""The duplicate rule on its own: same patient and term, onsets within the window, in the
same session or within a day."""

from datetime import UTC, datetime, timedelta

from events.rules import EventLikeness, is_likely_duplicate

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
WINDOW = timedelta(minutes=60)


def _event(*, session=1, patient=1, term=(5, ""), minutes=0):
    return EventLikeness(
        session_id=session, patient_id=patient, term=term, onset_at=T0 + timedelta(minutes=minutes)
    )


def test_the_same_term_in_the_same_session_within_the_window_is_a_likely_duplicate():
    assert is_likely_duplicate(_event(), _event(minutes=60), window=WINDOW)
    assert is_likely_duplicate(_event(minutes=45), _event(), window=WINDOW)


def test_onsets_further_apart_than_the_window_are_two_events():
    assert not is_likely_duplicate(_event(), _event(minutes=61), window=WINDOW)


def test_another_term_or_another_patient_is_never_a_duplicate():
    assert not is_likely_duplicate(_event(), _event(term=(6, "")), window=WINDOW)
    assert not is_likely_duplicate(_event(), _event(patient=2, session=2), window=WINDOW)


def test_an_other_term_compares_its_description():
    other = (9, "metallic taste")
    assert is_likely_duplicate(_event(term=other), _event(term=other), window=WINDOW)
    assert not is_likely_duplicate(_event(term=other), _event(term=(9, "tinnitus")), window=WINDOW)


def test_the_same_patient_in_another_session_counts_only_within_a_day():
    wide = timedelta(days=3)
    assert is_likely_duplicate(_event(), _event(session=2, minutes=30), window=WINDOW)
    assert is_likely_duplicate(_event(), _event(session=2, minutes=24 * 60), window=wide)
    assert not is_likely_duplicate(_event(), _event(session=2, minutes=24 * 60 + 1), window=wide)
    assert is_likely_duplicate(_event(), _event(minutes=48 * 60), window=wide)
