"""Downloads of audit trails and of the filtered audit log (CSV and PDF).

Access is the ledger's: auditors and medical directors, records of their sites only. Every
download is written to the access log with its kind, filters and row count.
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from audit import selectors
from audit.forms import LogFilterForm
from audit.policy import ledger_policy
from audit.services import access_log_export
from exports import audit_trail

# A PDF of more rows than this is unreadable and slow to lay out: it is printed as an extract,
# titled "first N of M entries", and the CSV of the same filters holds the rest.
LOG_PDF_ROW_LIMIT = 500
LOG_CSV_ROW_LIMIT = 200_000

CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "pdf": "application/pdf"}


def _attachment(body: bytes, fmt: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response


@login_required
@require_GET
def audit_trail_export(request: HttpRequest, label: str, pk: int, fmt: str) -> HttpResponse:
    if fmt not in CONTENT_TYPES:
        raise Http404("No such format.")
    model = selectors.audited_model(label)
    site_id = selectors.require_record_visible(request.user, model, pk)
    zone = selectors.site_zone(site_id)
    versions = selectors.record_trail(model, pk, zone=zone)
    label = model._meta.label_lower
    if fmt == "csv":
        body = audit_trail.frame_csv(
            audit_trail.trail_frame(versions, label=label, pk=pk, zone=zone)
        )
    else:
        body = audit_trail.trail_pdf(
            versions,
            model_name=str(model._meta.verbose_name),
            label=label,
            pk=pk,
            zone=zone,
            generated_by=request.user.get_username(),
            sections=ledger_policy().trail_sections(model, pk, request.user),
        )
    access_log_export(
        user=request.user,
        kind=f"audit_trail_{fmt}",
        filters={"record": label, "record_id": pk},
        row_count=len(versions),
        request=request,
        object_type=label,
        object_id=pk,
        site_id=site_id,
    )
    return _attachment(body, fmt, f"trail-{label.replace('.', '-')}-{pk}")


def _filter_errors(form: LogFilterForm, query) -> dict[str, str]:
    """Each refused filter and why: a download must cover exactly what was asked for, so a
    site the user cannot see or an unknown parameter is an error, not silently dropped."""
    errors = {name: "Unknown parameter." for name in query if name not in form.fields}
    if form.is_bound and not form.is_valid():
        errors.update({name: " ".join(messages) for name, messages in form.errors.items()})
    return errors


@login_required
@require_GET
def audit_log_export(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in CONTENT_TYPES:
        raise Http404("No such format.")
    selectors.require_ledger_reader(request.user)
    policy = ledger_policy()
    form = LogFilterForm(request.GET or None, site_choices=policy.site_choices(request.user))
    errors = _filter_errors(form, request.GET)
    if errors:
        return JsonResponse({"errors": errors}, status=400)
    filters = form.filters()
    limit = LOG_CSV_ROW_LIMIT if fmt == "csv" else LOG_PDF_ROW_LIMIT
    entries = selectors.audit_log_entries(request.user, filters, limit=limit)
    zones = policy.site_timezones()
    if fmt == "csv":
        body = audit_trail.frame_csv(audit_trail.log_frame(entries, zones=zones))
    else:
        body = audit_trail.log_pdf(
            entries,
            total=selectors.audit_log_count(request.user, filters),
            csv_limit=LOG_CSV_ROW_LIMIT,
            filters=filters.as_dict(),
            zones=zones,
            generated_by=request.user.get_username(),
        )
    access_log_export(
        user=request.user,
        kind=f"audit_log_{fmt}",
        filters=filters.as_dict(),
        row_count=len(entries),
        request=request,
        object_type="audit.log",
    )
    return _attachment(body, fmt, "audit-log")
