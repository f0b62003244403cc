"""A signal's own page: its findings, chart, monthly counts and events, and the director's
review (no concern / monitor / action, with a reason). Directors and auditors read it; only
a medical director of every site the signal covers may review it."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe

from audit.services import access_log_view
from events.access import DIRECTORS, roles_at
from events.services.common import StaleVersionError
from events.views.support import AuthenticatedRequest
from reporting.charts import funnel_svg, p_chart_svg
from reporting.models import SignalAssessment
from reporting.request_filters import report_query_or_400
from reporting.selectors import (
    event_listing,
    report_sites,
    require_report_reader,
    safety_summary,
    signal_reviews,
)
from reporting.services import signal_review_record
from reporting.signal_detection import Signal, percent
from reporting.summary import SafetySummary

EVENTS_SHOWN = 50


class SignalReviewForm(forms.Form):
    assessment = forms.ChoiceField(choices=SignalAssessment.choices, widget=forms.RadioSelect)
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Why: what you checked, and what happens next.",
    )
    expected_version = forms.IntegerField(required=False, widget=forms.HiddenInput)


def _chart(summary: SafetySummary, signal: Signal) -> str:
    if signal.kind == "term" and signal.term_id is not None:
        chart = summary.p_chart_for_term(signal.term_id)
        return p_chart_svg(chart, f"Sessions with {signal.label}: p-chart")
    if signal.kind == "funnel":
        return funnel_svg(summary.funnel)
    return p_chart_svg(summary.p_chart)


def _monthly_counts(summary: SafetySummary, signal: Signal) -> list[tuple[object, ...]]:
    chart = summary.p_chart_for_term(signal.term_id) if signal.term_id else summary.p_chart
    return [
        (
            p.label,
            p.n,
            p.count,
            percent(p.proportion) if p.proportion is not None else "-",
            p.ucl_count,
            p.is_judged,
            p.above_ucl or p.in_run,
        )
        for p in chart.points
    ]


@login_required
def signal_detail(request: AuthenticatedRequest, key: str) -> HttpResponse:
    """GET: the evidence and the review. POST: record a review, then back to the page."""
    require_report_reader(request.user)
    parsed = report_query_or_400(request, "reporting/signal.html", {})
    if isinstance(parsed, HttpResponse):
        return parsed
    filters = parsed.filters
    summary = safety_summary(request.user, filters)
    signal = next((s for s in summary.signals if s.key == key), None)
    if signal is None:
        raise Http404("No such signal under these filters.")
    site_ids = [site["id"] for site in report_sites(request.user, filters)]
    review = signal_reviews(request.user, [key]).get(key)
    can_review = all(DIRECTORS[0] in roles_at(request.user, s) for s in site_ids)
    form = SignalReviewForm(
        request.POST or None,
        initial={"expected_version": review.version if review else None},
    )
    status = 200
    if request.method == "POST":
        if not can_review:
            status = 403
        elif form.is_valid():
            try:
                signal_review_record(
                    signal=signal,
                    site_ids=site_ids,
                    actor=request.user,
                    assessment=form.cleaned_data["assessment"],
                    reason=form.cleaned_data["reason"],
                    expected_version=form.cleaned_data["expected_version"],
                )
                return redirect(f"{reverse('reports-signal', args=[key])}?{filters.as_query()}")
            except ValidationError as error:
                for field, messages in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, messages)
            except StaleVersionError as error:
                form.add_error(None, error.message)
        status = 400 if status == 200 else status
    events = event_listing(request.user, signal.filters)
    event_count = events.count()
    access_log_view(
        actor=request.user,
        request=request,
        object_type="reporting.signal",
        row_count=event_count,
        filters=filters.as_dict(),
        extra={"key": key},
    )
    history = list(review.history.order_by("-history_id")) if review else []
    return render(
        request,
        "reporting/signal.html",
        {
            "signal": signal,
            "summary": summary,
            "query": filters.as_query(),
            # Every piece of text in the chart is escaped where the SVG is built.
            "chart": mark_safe(_chart(summary, signal)),  # noqa: S308  # nosec B308 B703
            "months": _monthly_counts(summary, signal) if signal.kind != "funnel" else [],
            "events": events[:EVENTS_SHOWN],
            "event_count": event_count,
            "review": review,
            "history": history,
            "form": form,
            "can_review": can_review,
        },
        status=status,
    )
