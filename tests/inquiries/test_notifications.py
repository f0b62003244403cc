"""Who hears of a question and of its answer: the functions the notification service is
plugged into (`INQUIRY_NOTIFIER`), called once the writing transaction has committed."""

import pytest

from events.choices import Role
from events.inquiries import notifications
from events.inquiries.services import question_answer, question_open
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

SENT: list[dict] = []


def record(**message):
    SENT.append(message)


@pytest.fixture
def notifier(settings):
    settings.INQUIRY_NOTIFIER = "tests.inquiries.test_notifications.record"
    SENT.clear()
    return SENT


def test_a_question_to_the_reporter_reaches_the_reporter(
    notifier, director, nurse, event, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        question_open(actor=director, event=event, text="Dose?", addressed_to="reporter")

    assert [(m["kind"], m["recipients"]) for m in notifier] == [("question_opened", [nurse])]
    assert notifier[0]["link"] == f"/events/{event.pk}/"


def test_a_question_to_the_staff_reaches_the_sites_staff(director, nurse, north, event):
    colleague = UserFactory(username="bea")
    MembershipFactory(user=colleague, site=north, role=Role.STAFF)
    question = question_open(actor=director, event=event, text="Home?", addressed_to="site_staff")

    assert notifications.question_opened(question) == [nurse, colleague]


def test_an_answer_reaches_the_director_who_asked(
    notifier, director, nurse, event, django_capture_on_commit_callbacks
):
    question = question_open(actor=director, event=event, text="Dose?", addressed_to="reporter")
    notifier.clear()
    with django_capture_on_commit_callbacks(execute=True):
        question_answer(actor=nurse, question=question, text="2 mg", expected_version=1)

    assert [(m["kind"], m["recipients"]) for m in notifier] == [("answer_given", [director])]


def test_nothing_is_sent_when_the_write_is_refused(notifier, director, event):
    with pytest.raises(Exception):  # noqa: B017, PT011
        question_open(actor=director, event=event, text="<b>x</b>", addressed_to="reporter")
    assert notifier == []
