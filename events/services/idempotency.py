"""Idempotent creation: the first response to a key is stored and replayed on retries.

Used by API POSTs that carry an `Idempotency-Key` header and by web forms, which carry a
one-time form token, so a double tap or a retried request never files the same thing twice.
"""

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction

from audit.services import Actor, audited_save
from events.models import IdempotencyRecord


class IdempotencyKeyReused(Exception):
    """The key was already used for a different request."""


@dataclass(frozen=True)
class IdempotentResult:
    status: int
    body: dict[str, Any]
    replayed: bool


def request_fingerprint(payload: object) -> str:
    canonical = json.dumps(payload, sort_keys=True, cls=DjangoJSONEncoder, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replay(record: IdempotencyRecord, fingerprint: str) -> IdempotentResult:
    if record.request_fingerprint != fingerprint:
        raise IdempotencyKeyReused(
            "This Idempotency-Key was already used with a different request body."
        )
    return IdempotentResult(record.response_status, record.response_body, replayed=True)


def idempotent_call(
    *, user: Actor, key: str, fingerprint: str, perform: Callable[[], tuple[int, dict[str, Any]]]
) -> IdempotentResult:
    """Run `perform` once per (user, key); return its stored response on every retry.

    `perform` returns (status, JSON-able body) and runs in the same transaction as the record
    of the key, so a concurrent duplicate either sees the stored response or is rolled back
    whole when the unique key collides.
    """
    existing = IdempotencyRecord.objects.filter(user=user, key=key).first()
    if existing is not None:
        return _replay(existing, fingerprint)
    try:
        with transaction.atomic():
            status, body = perform()
            body = json.loads(json.dumps(body, cls=DjangoJSONEncoder))
            record = IdempotencyRecord(
                user=user,
                key=key,
                request_fingerprint=fingerprint,
                response_status=status,
                response_body=body,
            )
            audited_save(record, actor=user, reason="Idempotency key recorded")
    except IntegrityError:
        existing = IdempotencyRecord.objects.filter(user=user, key=key).first()
        if existing is None:
            raise
        return _replay(existing, fingerprint)
    return IdempotentResult(status, body, replayed=False)
