"""The ways anything is written to the ledger: an audited save, an access-log entry, and a
verification run."""

from collections.abc import Mapping
from typing import Any, Required, TypeAlias, TypedDict, TypeVar, Unpack

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone

from audit import chain, live_rows
from audit.models import AccessAction, AccessLog, MissingActorError, VerificationRun

# Who does something: every service takes one, and every history row names one.
Actor: TypeAlias = User
# Any audited record: a service gets back the type it saved.
Record = TypeVar("Record", bound=models.Model)


def actor_of(user: object) -> Actor:
    """The account behind a request that passed authentication (`login_required`, DRF's
    `IsAuthenticated`): the actor its writes and access-log rows name."""
    if not isinstance(user, User) or not user.is_authenticated:
        raise PermissionDenied("Sign in first.")
    return user


def audited_save(
    instance: Record,
    *,
    actor: Actor | models.Model,
    reason: str = "",
    update_fields: list[str] | None = None,
) -> Record:
    """Save an audited record; its history row carries `actor` and `reason`.

    Every service writes through here. Call it inside `transaction.atomic()` so the record
    and its history row are stored together or not at all.
    """
    if actor is None or (not getattr(actor, "pk", None) and actor is not instance):
        raise MissingActorError(f"{type(instance).__name__}: an audited write needs an actor.")
    instance._history_user = actor  # type: ignore[attr-defined]
    instance._change_reason = reason  # type: ignore[attr-defined]
    instance.save(update_fields=update_fields)
    return instance


def _client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def access_log_record(
    *,
    user: Actor | None,
    action: AccessAction | str,
    request: HttpRequest | None = None,
    username: str | None = None,
    object_type: str = "",
    object_id: str | int = "",
    site_id: int | None = None,
    row_count: int | None = None,
    detail: dict[str, Any] | None = None,
    ip_address: str | None = None,
) -> AccessLog:
    """Append one access-log entry (ids and filters only, never patient data)."""
    if username is None:
        username = user.get_username() if user is not None else ""
    entry = AccessLog(
        user=user if user is not None and user.pk else None,
        username=username,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        site_id=site_id,
        row_count=row_count,
        detail=detail or {},
        ip_address=ip_address or _client_ip(request),
    )
    entry.save()
    return entry


def access_log_lockout(
    *, username: str, request: HttpRequest | None = None, ip_address: str | None = None
) -> AccessLog:
    """Record that an account was locked out after repeated failed logins (django-axes'
    `user_locked_out` signal calls this). The user is linked when the name matches one."""
    from django.contrib.auth import get_user_model

    username = str(username or "")[:150]
    user = get_user_model().objects.filter(username=username).first() if username else None
    return access_log_record(
        user=user,
        username=username,
        action=AccessAction.LOCKOUT,
        request=request,
        ip_address=ip_address,
    )


class AccessEntry(TypedDict, total=False):
    """The one signature of the access-log vocabulary below (keyword arguments only).

    `record` stands for `object_type`, `object_id` and `site_id` at once: the record's model
    label, primary key and `site_id` attribute (when it has one).
    """

    actor: Required[Actor]
    request: Required[HttpRequest | None]
    record: models.Model
    object_type: str
    object_id: str | int
    site_id: int | None
    row_count: int | None
    filters: Mapping[str, Any]
    extra: Mapping[str, Any]


def access_log_view(**entry: Unpack[AccessEntry]) -> AccessLog:
    """Record that the actor looked at one record (a page, an API detail, a trail)."""
    return _access_log(AccessAction.VIEW, entry)


def access_log_list(**entry: Unpack[AccessEntry]) -> AccessLog:
    """Record that the actor listed records: the filters applied and the number of rows
    matched across every page."""
    return _access_log(AccessAction.LIST, entry)


def access_log_search(**entry: Unpack[AccessEntry]) -> AccessLog:
    """Record a search: a list narrowed by something the user typed (recorded as given, never
    as typed) or an auditor's query of the ledger."""
    return _access_log(AccessAction.SEARCH, entry)


def access_log_export(**entry: Unpack[AccessEntry]) -> AccessLog:
    """Record an export: `extra` names its `kind` (and its job, when one produced it)."""
    return _access_log(AccessAction.EXPORT, entry)


def _access_log(action: AccessAction, entry: AccessEntry) -> AccessLog:
    """The one detail shape of the access log: `view` (the URL name the request resolved to,
    empty outside a request), `filters` (ids and choices, never typed text), then the
    caller's extra keys (`kind`, `ids`, `job_id`, ...)."""
    request = entry["request"]
    match = getattr(request, "resolver_match", None)
    record = entry.get("record")
    return access_log_record(
        user=entry["actor"],
        action=action,
        request=request,
        object_type=record._meta.label_lower if record else entry.get("object_type", ""),
        object_id=record.pk if record else entry.get("object_id", ""),
        site_id=getattr(record, "site_id", None) if record else entry.get("site_id"),
        row_count=entry.get("row_count"),
        detail={
            "view": (match.view_name if match else "") or "",
            "filters": dict(entry.get("filters") or {}),
            **(entry.get("extra") or {}),
        },
    )


def verification_run_perform(
    *,
    user: Actor | None = None,
    recorded_heads: dict[str, chain.ChainHead] | None = None,
    using: str = "default",
) -> VerificationRun:
    """Recompute every chain, compare every live row with its latest history version, and
    append the result to the ledger's own record of runs.

    Each chain is also checked against a head recorded earlier: the operator's file when
    given (`recorded_heads`), otherwise the heads of the last run that found the chain
    intact, so rows cut from the end of a chain since then do not go unnoticed. The live
    tables' results follow the chains' in `tables`, marked `"kind": "live"`.
    """
    started_at = timezone.now()
    checked_file = recorded_heads is not None
    if recorded_heads is None:
        recorded_heads = _heads_of_last_intact_runs(using)
    reports = [
        chain.verify_chain(model, using=using, expected_heads=recorded_heads)
        for model in chain.chained_models()
    ]
    summaries = [_report_summary(report) for report in reports]
    summaries += [_live_summary(report) for report in live_rows.verify_all_live_rows(using)]
    run = VerificationRun(
        started_at=started_at,
        finished_at=timezone.now(),
        user=user if user is not None and user.pk else None,
        username=user.get_username() if user is not None else "",
        is_intact=all(summary["status"] == "intact" for summary in summaries),
        tables=summaries,
        checked_recorded_heads=checked_file,
    )
    with transaction.atomic(using=using):
        run.save(using=using)
    return run


def _report_summary(report: chain.ChainReport) -> dict[str, Any]:
    return {
        "table": report.table,
        "rows": report.rows,
        "head_pk": report.head_pk,
        "head": report.head,
        "status": report.status,
        "first_break": report.first_break,
        "problem": report.problem,
        "chains": [
            {"site": head.site, "head_pk": head.last_pk, "head": head.hash} for head in report.heads
        ],
    }


def _live_summary(report: live_rows.LiveRowReport) -> dict[str, Any]:
    first = report.problems[0] if report.problems else None
    problem = ""
    if first is not None:
        problem = f"{report.problem_count} live row(s) do not match the ledger; row {first.pk}: "
        problem += first.problem
    return {
        "table": report.table,
        "kind": "live",
        "rows": report.rows,
        "status": "intact" if report.is_intact else "mismatch",
        "first_break": first.pk if first else None,
        "problem": problem,
        "problem_count": report.problem_count,
        "rows_named": [{"id": p.pk, "problem": p.problem} for p in report.problems],
    }


def _heads_of_last_intact_runs(using: str) -> dict[str, chain.ChainHead]:
    last = VerificationRun.objects.using(using).order_by("-pk").first()
    if last is None:
        return {}
    heads = {}
    for table in last.tables:
        if table.get("status") != "intact" or table.get("kind") == "live":
            continue
        # Runs from before the per-site chains name only the table's (global) chain.
        chains = table.get("chains") or [
            {"site": None, "head_pk": table["head_pk"], "head": table["head"]}
        ]
        for link in chains:
            head = chain.ChainHead(table["table"], link["head_pk"], link["head"], link["site"])
            heads[head.chain] = head
    return heads
