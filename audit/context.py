"""Who and where a write comes from, carried through one request, command or task.

The request id links a history row to the access-log rows of the same request; the source
says which door the write came through (web, api, command:NAME, task:NAME).
"""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from dataclasses import dataclass, field
from typing import Any


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


def command_source(command: object) -> str:
    """`command:NAME` for a management command instance."""
    return f"command:{type(command).__module__.rsplit('.', 1)[-1]}"


def label_management_commands() -> None:
    """Run every management command inside its own `command:NAME` context.

    Patched once on Django's base class so that every command, including Django's own
    (createsuperuser, changepassword) and those of other apps, labels the rows it writes
    without each author having to remember to.
    """
    from django.core.management.base import BaseCommand

    if getattr(BaseCommand.execute, "_labels_audit_source", False):
        return
    original = BaseCommand.execute

    def execute(self: BaseCommand, *args: Any, **options: Any) -> Any:
        with audit_context(command_source(self)):
            return original(self, *args, **options)

    execute._labels_audit_source = True  # type: ignore[attr-defined]
    BaseCommand.execute = execute  # type: ignore[method-assign]


def label_celery_tasks() -> None:
    """Run every Celery task (worker or eager) inside a `task:NAME` context."""
    try:
        from celery.signals import task_postrun, task_prerun
    except ImportError:  # pragma: no cover - celery is a dependency of the project
        return
    tokens: dict[str | None, Token[AuditContext | None]] = {}

    def enter(task_id: str | None = None, task: object = None, **kwargs: Any) -> None:
        context = AuditContext(source=f"task:{getattr(task, 'name', 'unknown')}")
        tokens[task_id] = _current.set(context)

    def leave(task_id: str | None = None, **kwargs: Any) -> None:
        token = tokens.pop(task_id, None)
        if token is not None:
            _current.reset(token)

    task_prerun.connect(enter, weak=False, dispatch_uid="audit_task_context_enter")
    task_postrun.connect(leave, weak=False, dispatch_uid="audit_task_context_leave")
