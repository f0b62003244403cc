"""Who and where a write comes from, carried through one request, command or task.

The request id links a history row to the access-log rows of the same request; the source
says which door the write came through (web, api, command:NAME, task:NAME).
"""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field


@dataclass(frozen=True)
class AuditContext:
    source: str
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))


_current: ContextVar[AuditContext | None] = ContextVar("audit_context", default=None)


def current_context() -> AuditContext:
    """The active context; writes outside any declared context are labelled `system`."""
    return _current.get() or AuditContext(source="system")


@contextmanager
def audit_context(source: str, request_id: str | None = None) -> Iterator[AuditContext]:
    context = AuditContext(source=source, request_id=request_id or str(uuid.uuid4()))
    token = _current.set(context)
    try:
        yield context
    finally:
        _current.reset(token)
