"""Exports of the ledger: one record's trail (a file) and the filtered audit log (a job), for
those who may read the ledger."""

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest

from audit import selectors as ledger
from audit.forms import LogFilterForm
from audit.policy import ledger_policy
from audit.services import Actor, access_log_export
from exports import audit_trail
from exports.filenames import CSV, PDF, ExportFile, export_filename
from exports.models import ExportJob, ExportKind
from exports.services.jobs import export_job_request


def audit_trail_export(
    *, actor: Actor, label: str, pk: int, fmt: str, request: HttpRequest | None
) -> ExportFile:
    """One record's trail (every version) as CSV or PDF, for those who may read the ledger."""
    if fmt not in ("csv", "pdf"):
        raise Http404("No such format.")
    model = ledger.audited_model(label)
    site_id = ledger.require_record_visible(actor, model, pk)
    zone = ledger.site_zone(site_id)
    versions = ledger.record_trail(model, pk, zone=zone)
    label = model._meta.label_lower
    if fmt == "csv":
        frame = audit_trail.trail_frame(versions, label=label, pk=pk, zone=zone)
        content = audit_trail.frame_csv(frame)
    else:
        content = audit_trail.trail_pdf(
            versions,
            model_name=str(model._meta.verbose_name),
            label=label,
            pk=pk,
            zone=zone,
            generated_by=actor.get_username(),
            sections=ledger_policy().trail_sections(model, pk, actor),
        )
    access_log_export(
        actor=actor,
        request=request,
        object_type=label,
        object_id=pk,
        site_id=site_id,
        row_count=len(versions),
        filters={"record": label, "record_id": pk},
        extra={"kind": f"audit_trail_{fmt}"},
    )
    subject = f"trail-{label.replace('.', '-')}-{pk}"
    return ExportFile(content, export_filename(subject, fmt), CSV if fmt == "csv" else PDF)


def audit_log_export(
    *, actor: Actor, query: Mapping[str, Any], fmt: str, request: HttpRequest | None
) -> ExportJob:
    """The filtered audit log as CSV or PDF, as a job. `query` holds the log page's filters;
    any that cannot be read raise `ValidationError` naming each."""
    if fmt not in ("csv", "pdf"):
        raise Http404("No such format.")
    ledger.require_ledger_reader(actor)
    site_choices = ledger_policy().site_choices(actor)
    form = LogFilterForm(query or None, site_choices=site_choices)
    # The file must cover exactly what was asked for: a site the user cannot see or an
    # unknown parameter is refused, not silently dropped.
    errors = {name: "Unknown parameter." for name in query if name not in form.fields}
    if form.is_bound and not form.is_valid():
        errors.update(
            {name: " ".join(map(str, messages)) for name, messages in form.errors.items()}
        )
    if errors:
        raise ValidationError(errors)
    filters = form.filters()
    kind = ExportKind.AUDIT_LOG_CSV if fmt == "csv" else ExportKind.AUDIT_LOG_PDF
    return export_job_request(actor=actor, kind=kind, filters=filters.as_dict())
