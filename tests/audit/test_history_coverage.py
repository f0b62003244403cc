"""Every model of the project is audited, and every audited table is append-only."""

import pytest
from django.apps import apps

from audit.models import AccessLog, ChainedRow, HistoryBase
from audit.triggers import installed_trigger_tables, protected_tables

PROJECT_APPS = (
    "events",
    "accounts",
    "notifications",
    "inquiries",
    "imports",
    "audit",
    "reporting",
    "exports",
)
# Derived tables, rebuilt from audited rows at any time: they hold nothing of their own to audit.
DERIVED_MODELS = {
    "reporting.MonthlyRollup",
    "reporting.StalePartition",
    "reporting.CountedEvent",
    "reporting.CountedSession",
}
# Not records of the clinic: API tokens are credentials (issue and revocation are in the access
# log) and notifications are messages about records (an outbox holding no clinical data).
NOT_RECORDS = {"accounts.ApiToken", "notifications.Notification"}


def _project_models():
    for app_label in PROJECT_APPS:
        for model in apps.get_app_config(app_label).get_models():
            exempt = model._meta.label in DERIVED_MODELS | NOT_RECORDS
            if not issubclass(model, ChainedRow) and not exempt:
                yield model


@pytest.mark.parametrize("model", list(_project_models()), ids=lambda m: m._meta.label)
def test_every_project_model_keeps_chained_history(model):
    history = getattr(model, "history", None)
    assert history is not None, f"{model._meta.label} has no simple-history"
    assert issubclass(history.model, HistoryBase), f"{model._meta.label} history is not chained"


def test_user_accounts_keep_history_without_password_hashes():
    from django.contrib.auth import get_user_model

    history_model = get_user_model().history.model
    names = {field.name for field in history_model._meta.fields}
    assert issubclass(history_model, HistoryBase)
    assert "password" not in names and "last_login" not in names


def test_the_access_log_is_a_chain_of_its_own():
    assert issubclass(AccessLog, ChainedRow)
    assert AccessLog._meta.db_table in protected_tables()


@pytest.mark.django_db
def test_every_chained_table_carries_append_only_triggers():
    assert set(protected_tables()) <= installed_trigger_tables()
