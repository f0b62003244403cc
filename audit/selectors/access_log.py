"""The access log as auditors page through it: who viewed, searched or exported what."""

from datetime import timedelta
from typing import Any

from audit.models import AccessLog
from audit.policy import ledger_policy
from audit.selectors.paging import (
    PAGE_SIZE,
    InvalidCursor,
    LogFilters,
    day_start,
    decode_cursor,
    encode_cursor,
)
from audit.selectors.records import require_ledger_reader


def access_log_page(
    user: Any, filters: LogFilters, *, cursor: str = "", page_size: int = PAGE_SIZE
) -> tuple[list[AccessLog], str]:
    """One page of the access log, newest first (by id: the chain's own order)."""
    require_ledger_reader(user)
    entries = AccessLog.objects.all()
    visible = ledger_policy().visible_site_ids(user)
    if visible is not None:
        entries = entries.filter(site_id__in=visible)
    if filters.site_id:
        entries = entries.filter(site_id=filters.site_id)
    if filters.username:
        entries = entries.filter(username=filters.username)
    if filters.action:
        entries = entries.filter(action=filters.action)
    if filters.model:
        entries = entries.filter(object_type=filters.model)
    if filters.since:
        entries = entries.filter(occurred_at__gte=day_start(filters.since))
    if filters.until:
        entries = entries.filter(occurred_at__lt=day_start(filters.until + timedelta(days=1)))
    if cursor:
        (last_id,) = decode_cursor(cursor, 1)
        if not isinstance(last_id, int):
            raise InvalidCursor("This page link is not valid.")
        entries = entries.filter(id__lt=last_id)
    page = list(entries.order_by("-id")[: page_size + 1])
    next_cursor = ""
    if len(page) > page_size:
        page = page[:page_size]
        next_cursor = encode_cursor(page[-1].pk)
    return page, next_cursor
