"""The page each role lands on after logging in."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from audit.services import access_log_list
from events.access import has_role
from events.choices import Role
from events.inquiries.selectors import question_list, questions_waiting_for
from events.models import InfusionSession
from events.selectors import review_queue, todays_sessions

REVIEW_PREVIEW = 5


@login_required
def home(request):
    """Staff: today's sessions at their sites. Directors: the review queue at a glance.
    Auditors: the way into the audit views."""
    context = {"now": timezone.now()}
    if has_role(request.user, Role.STAFF, Role.MEDICAL_DIRECTOR):
        sessions = list(todays_sessions(request.user))
        access_log_list(
            actor=request.user,
            request=request,
            object_type=InfusionSession._meta.label_lower,
            row_count=len(sessions),
        )
        context["sessions"] = sessions
        # Directors' questions that this person may answer (reporter or site staff).
        context["questions_for_me"] = list(questions_waiting_for(request.user)[:REVIEW_PREVIEW])
    if has_role(request.user, Role.MEDICAL_DIRECTOR):
        queue = review_queue(request.user)
        context["queue_counts"] = queue.counts(context["now"])
        context["queue_preview"] = queue[:REVIEW_PREVIEW]
        context["overdue_questions"] = question_list(
            request.user, is_overdue=True, now=context["now"]
        ).count()
    return render(request, "events/home.html", context)
