"""Which records the ledger chains, and who may read their history.

Every other selector of the ledger starts here: a reader the ledger policy refuses gets a 403,
and a record at a site the reader cannot see is a 404, as if it did not exist.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404

from audit.models import HistoryBase
from audit.policy import ledger_policy

# What a history row's `history_type` means, as the pages print it.
ACTIONS = {"+": "Created", "~": "Changed", "-": "Deleted"}


def require_ledger_reader(user: Any) -> None:
    if not ledger_policy().can_read(user):
        raise PermissionDenied("The audit trail is open to auditors and medical directors.")


@cache
def _history_models() -> dict[str, tuple[type[models.Model], type[models.Model]]]:
    """Record models with chained history and their history models, by lower-case label.

    Read once: the registry is fixed after start-up, and every read of `Model.history` builds
    a new manager class (simple-history), about a millisecond per model on every page.
    """
    found = {}
    for model in apps.get_models():
        manager = getattr(model, "history", None)
        history_model = getattr(manager, "model", None)
        if history_model is not None and issubclass(history_model, HistoryBase):
            found[model._meta.label_lower] = (model, history_model)
    return dict(sorted(found.items()))


def audited_models() -> dict[str, type[models.Model]]:
    """Record models with chained history, by lower-case label ("events.adverseevent")."""
    return {label: model for label, (model, _) in _history_models().items()}


def history_model_of(model: type[models.Model]) -> type[models.Model]:
    """The history model of an audited record model."""
    return _history_models()[model._meta.label_lower][1]


def audited_model(label: str) -> type[models.Model]:
    model = audited_models().get(label.lower())
    if model is None:
        raise Http404("No such record type.")
    return model


def tracked_fields(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    """The record's fields that its history copies, in the model's order."""
    return list(history_model_of(model).tracked_fields)  # type: ignore[attr-defined]


def _site_of(model: type[models.Model], pk: object) -> tuple[bool, int | None]:
    """Whether the record exists (live or in history), and its site id."""
    path = ledger_policy().site_path(model)
    pk_name = model._meta.pk.attname
    for manager in (model._default_manager, history_model_of(model)._default_manager):
        queryset = manager.filter(**{pk_name: pk})
        if path is None:
            if queryset.exists():
                return True, None
            continue
        found = queryset.values_list(path, flat=True)[:1]
        if found:
            return True, found[0]
    return False, None


def require_record_visible(user: Any, model: type[models.Model], pk: object) -> int | None:
    """The record's site id; 404 when it does not exist or the reader may not see it."""
    require_ledger_reader(user)
    try:
        model._meta.pk.to_python(pk)
        exists, site_id = _site_of(model, pk)
    except (ValueError, TypeError, models.ObjectDoesNotExist):
        raise Http404("No such record.") from None
    visible = ledger_policy().visible_site_ids(user)
    if not exists or (visible is not None and site_id not in visible):
        raise Http404("No such record.")
    return site_id
