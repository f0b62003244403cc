"""The table of published reference rates: everyone who reads reports sees it; medical
directors add and change rates (each change is audited with its reason)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from events.access import DIRECTORS, has_role
from events.services.common import StaleVersionError
from events.views.support import AuthenticatedRequest
from reporting.models import ReferenceRate
from reporting.reference_forms import ReferenceRateForm
from reporting.selectors import require_report_reader
from reporting.services import reference_rate_save


@login_required
@require_http_methods(["GET", "POST"])
def reference_rates(request: AuthenticatedRequest, pk: int | None = None) -> HttpResponse:
    require_report_reader(request.user)
    can_edit = has_role(request.user, *DIRECTORS)
    reference = None
    if pk is not None:
        reference = ReferenceRate.objects.filter(pk=pk).first()
        if reference is None:
            raise Http404("No such reference rate.")
    initial = {}
    if reference is not None:
        initial = {
            "term": reference.term_id,
            "published_term": reference.published_term,
            "rate_percent": reference.rate * 100,
            "denominator": reference.denominator,
            "unit": reference.unit,
            "citation": reference.citation,
            "is_active": reference.is_active,
            "version": reference.version,
        }
    form = ReferenceRateForm(request.POST or None, initial=initial or None)
    if request.method == "POST":
        if not can_edit:
            return HttpResponse("Reference rates are kept by medical directors.", status=403)
        if form.is_valid():
            try:
                reference_rate_save(
                    actor=request.user,
                    data=form.service_data(),
                    reference=reference,
                    expected_version=form.cleaned_data["version"],
                    reason=form.cleaned_data["reason"],
                )
            except StaleVersionError as stale:
                form.add_error(None, stale.message)
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    target = "rate_percent" if field == "rate" else field
                    form.add_error(target if target in form.fields else None, errors)
            else:
                messages.success(request, "Reference rate saved.")
                return redirect("reports-reference-rates")
    rates = ReferenceRate.objects.select_related("term").order_by("term__name")
    context = {"rates": rates, "form": form, "can_edit": can_edit, "editing": reference}
    return render(request, "reporting/reference_rates.html", context)
