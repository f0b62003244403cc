"""Access-log entries for API reads of patient data: who viewed or listed what.

Ids and filters only, never the data itself (DESIGN section 5).
"""

from audit.models import AccessAction
from audit.services import access_log_record


def log_view(request, instance) -> None:
    """One `view` row for a detail read of a patient, session or event."""
    access_log_record(
        user=request.user,
        action=AccessAction.VIEW,
        request=request,
        object_type=instance._meta.label_lower,
        object_id=instance.pk,
        site_id=instance.site_id,
        detail={"endpoint": request.path},
    )


def log_list(request, *, object_type: str, filters: dict, row_count: int) -> None:
    """One `list` row per list request, with the filters applied and the number of rows
    matched (across every page)."""
    site = filters.get("site")
    access_log_record(
        user=request.user,
        action=AccessAction.LIST,
        request=request,
        object_type=object_type,
        site_id=int(site) if isinstance(site, str) and site.isdigit() else None,
        row_count=row_count,
        detail={"endpoint": request.path, "filters": filters},
    )
