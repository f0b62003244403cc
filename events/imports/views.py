"""The import pages: upload and templates, column mapping, the job with its progress, its
report and the commit. Checks and writes are `events.imports.services`; reads are
`events.imports.selectors`."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit.services import Actor
from events.imports import selectors, services
from events.imports.columns import COLUMNS_BY_NAME, TEMPLATES
from events.imports.forms import MappingForm, UploadForm
from events.imports.models import ImportJob, ImportStatus
from events.imports.reading import FileRefused, max_bytes
from events.models import Site

CSV = "text/csv; charset=utf-8"


def _actor(request: HttpRequest) -> Actor:
    user = request.user
    assert isinstance(user, Actor)  # login_required
    return user


def _directors_only(request: HttpRequest) -> list[Site]:
    sites = selectors.import_sites(request.user)
    if not sites:
        raise PermissionDenied("Only a medical director may import records.")
    return sites


def _home(
    request: HttpRequest, form: UploadForm, status: int = 200, refusal: str = ""
) -> HttpResponse:
    context = {
        "form": form,
        "refusal": refusal,
        "templates": {name: TEMPLATES[name] for name in TEMPLATES},
        "columns": COLUMNS_BY_NAME.values(),
        "jobs": selectors.import_job_list(request.user),
        "terms": selectors.import_terms(),
        "max_mb": max_bytes() // (1024 * 1024),
    }
    return render(request, "imports/home.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def import_home(request: HttpRequest) -> HttpResponse:
    sites = _directors_only(request)
    if request.method == "GET":
        return _home(request, UploadForm(sites=sites))
    # Refuse an oversized upload from its declared length, before reading its body.
    if int(request.META.get("CONTENT_LENGTH") or 0) > max_bytes() + 64 * 1024:
        refusal = f"The file is larger than the limit of {max_bytes() // 2**20} MB."
        return _home(request, UploadForm(sites=sites), status=400, refusal=refusal)
    form = UploadForm(request.POST, request.FILES, sites=sites)
    if not form.is_valid():
        return _home(request, form, status=400)
    upload = form.cleaned_data["file"]
    try:
        if upload.size > max_bytes():
            raise FileRefused(f"The file is larger than the limit of {max_bytes() // 2**20} MB.")
        job = services.import_upload(
            actor=_actor(request),
            site=form.cleaned_data["site"],
            content=upload.read(),
            file_name=upload.name or "",
        )
    except FileRefused as error:
        form.add_error("file", str(error))
        return _home(request, form, status=400)
    return redirect("import-job", pk=job.pk)


@login_required
@require_GET
def import_template(request: HttpRequest, name: str) -> HttpResponse:
    _directors_only(request)
    if name not in TEMPLATES:
        raise Http404("No such template.")
    response = HttpResponse((",".join(TEMPLATES[name]) + "\r\n").encode(), content_type=CSV)
    response["Content-Disposition"] = f'attachment; filename="import-{name}.csv"'
    return response


def _job_context(job: ImportJob, mapping_form: MappingForm | None = None) -> dict[str, Any]:
    context: dict[str, Any] = {"job": job, "progress": services.import_job_progress(job)}
    if job.status == ImportStatus.MAPPING:
        headers = services.import_job_headers(job)
        context["mapping_form"] = mapping_form or MappingForm(headers=headers, guess=job.mapping)
    return context


@login_required
@require_GET
def import_job(request: HttpRequest, pk: int) -> HttpResponse:
    job = selectors.import_job_get(request.user, pk)
    with timezone.override(job.site.zone):
        return render(request, "imports/job.html", _job_context(job))


@login_required
@require_GET
def import_job_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The job's status panel; HTMX polls it until the job is finished."""
    job = selectors.import_job_get(request.user, pk)
    with timezone.override(job.site.zone):
        return render(request, "imports/_job_status.html", _job_context(job))


@login_required
@require_POST
def import_job_map(request: HttpRequest, pk: int) -> HttpResponse:
    job = selectors.import_job_get(request.user, pk)
    form = MappingForm(request.POST, headers=services.import_job_headers(job), guess=job.mapping)
    if form.is_valid():
        try:
            services.import_job_map(actor=_actor(request), job=job, choices=form.choices())
            return redirect("import-job", pk=job.pk)
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
    return render(request, "imports/job.html", _job_context(job, form), status=400)


@login_required
@require_POST
def import_job_commit(request: HttpRequest, pk: int) -> HttpResponse:
    dry_run = selectors.import_job_get(request.user, pk)
    try:
        job = services.import_job_commit(actor=_actor(request), dry_run=dry_run)
    except ValidationError as error:
        context = _job_context(dry_run) | {"commit_error": " ".join(error.messages)}
        return render(request, "imports/job.html", context, status=400)
    return redirect("import-job", pk=job.pk)


@login_required
@require_GET
def import_job_report(request: HttpRequest, pk: int) -> HttpResponse:
    job = selectors.import_job_get(request.user, pk)
    response = HttpResponse(services.import_report_csv(job), content_type=CSV)
    response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-report.csv"'
    return response
