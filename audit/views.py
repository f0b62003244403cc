"""The auditor pages: read-only views of trails, logs and chain status.

Open to auditors and medical directors (`audit.policy`); staff get 403. Each page that shows
record data writes one access-log row. The one POST, "verify now", writes a verification run
and changes no record.
"""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from audit import selectors
from audit.chain import chain_heads
from audit.forms import AccessLogFilterForm, AsOfForm, LogFilterForm, OpenRecordForm
from audit.policy import ledger_policy
from audit.rendering import versions_html
from audit.services import (
    access_log_search,
    access_log_view,
    actor_of,
    verification_run_perform,
)


@login_required
@require_GET
def audit_home(request: HttpRequest) -> HttpResponse:
    selectors.require_ledger_reader(request.user)
    form = OpenRecordForm(request.GET or None)
    if form.is_valid():
        return redirect("audit:trail", label=form.cleaned_data["model"], pk=form.cleaned_data["pk"])
    context = {"form": form, "last_run": selectors.last_verification_run()}
    return render(request, "audit/home.html", context)


@login_required
@require_GET
def record_trail(request: HttpRequest, label: str, pk: int) -> HttpResponse:
    model = selectors.audited_model(label)
    site_id = selectors.require_record_visible(request.user, model, pk)
    zone = selectors.site_zone(site_id)
    versions = selectors.record_trail(model, pk, zone=zone)
    as_of_form = AsOfForm(request.GET or None)
    moment = as_of_form.moment()
    access_log_view(
        actor=actor_of(request.user),
        request=request,
        object_type=model._meta.label_lower,
        object_id=pk,
        site_id=site_id,
        row_count=len(versions),
        extra={"as_of": moment.isoformat()} if moment else {},
    )
    context = {
        "model_name": model._meta.verbose_name,
        "label": model._meta.label_lower,
        "pk": pk,
        "zone": zone,
        "versions": versions,
        "versions_html": versions_html(versions, zone),
        "as_of_form": as_of_form,
        "moment": moment,
        "as_of_version": selectors.version_as_of(versions, moment) if moment else None,
        "sections": ledger_policy().trail_sections(model, pk, request.user),
        "downloads": ledger_policy().trail_downloads(model._meta.label_lower, pk),
    }
    return render(request, "audit/trail.html", context)


def _page_links(request: HttpRequest, next_cursor: str) -> dict[str, Any]:
    query = request.GET.copy()
    query.pop("cursor", None)
    first = query.urlencode()
    if next_cursor:
        query["cursor"] = next_cursor
    return {
        "first_page_query": first,
        "next_page_query": query.urlencode() if next_cursor else "",
        "is_first_page": not request.GET.get("cursor"),
    }


def _log_page(
    request: HttpRequest,
    form_class: type[LogFilterForm],
    page_function: Callable[..., tuple[list[Any], str]],
    template: str,
    object_type: str,
) -> HttpResponse:
    selectors.require_ledger_reader(request.user)
    form = form_class(request.GET or None, site_choices=ledger_policy().site_choices(request.user))
    filters = form.filters()
    try:
        entries, next_cursor = page_function(
            request.user, filters, cursor=request.GET.get("cursor", "")
        )
    except selectors.InvalidCursor as error:
        messages.warning(request, str(error))
        entries, next_cursor = page_function(request.user, filters)
    access_log_search(
        actor=actor_of(request.user),
        request=request,
        object_type=object_type,
        row_count=len(entries),
        filters=filters.as_dict(),
    )
    context = {"form": form, "entries": entries, **_page_links(request, next_cursor)}
    if template == "audit/log.html":
        context["downloads"] = ledger_policy().log_downloads(context["first_page_query"])
    context["zones"] = ledger_policy().site_timezones()
    return render(request, template, context)


@login_required
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    return _log_page(
        request, LogFilterForm, selectors.audit_log_page, "audit/log.html", "audit.log"
    )


@login_required
@require_GET
def access_log(request: HttpRequest) -> HttpResponse:
    return _log_page(
        request,
        AccessLogFilterForm,
        selectors.access_log_page,
        "audit/access_log.html",
        "audit.accesslog",
    )


@login_required
@require_GET
def chain_status(request: HttpRequest) -> HttpResponse:
    selectors.require_ledger_reader(request.user)
    context = {
        "last_run": selectors.last_verification_run(),
        "runs": selectors.verification_run_list(),
        "heads": chain_heads(),
        "can_verify": ledger_policy().can_verify(request.user),
    }
    return render(request, "audit/chain.html", context)


@login_required
@require_POST
def chain_verify(request: HttpRequest) -> HttpResponse:
    if not ledger_policy().can_verify(request.user):
        raise PermissionDenied("Only auditors and medical directors run verification.")
    run = verification_run_perform(user=actor_of(request.user))
    if run.is_intact:
        messages.success(
            request,
            f"All {len(run.chain_tables)} chains verified intact; every live record matches.",
        )
    else:
        chains = ", ".join(t["table"] for t in run.broken_tables if t.get("kind") != "live")
        live = ", ".join(t["table"] for t in run.live_tables if t["status"] != "intact")
        found = [
            f"a break in: {chains}" if chains else "",
            f"live records that do not match their history in: {live}" if live else "",
        ]
        messages.error(request, f"Verification found {'; and '.join(filter(None, found))}.")
    return redirect(reverse("audit:chain"))
