"""Who may read the ledger, and which sites they see: asked of the record app, not known here.

The ledger sits below every other app and imports none of them, yet the auditor pages must
respect the clinic's roles and sites. The record app supplies a `LedgerPolicy` named by the
`AUDIT_LEDGER_POLICY` setting; without one, only active superusers may read the ledger.
"""

from dataclasses import dataclass, field
from functools import cache

from django.conf import settings
from django.db import models
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class TrailSection:
    """An extra panel on a record's trail page (e.g. an event's signatures)."""

    title: str
    template: str
    context: dict = field(default_factory=dict)


class LedgerPolicy:
    """The questions the ledger asks about users and records. Override them all."""

    def can_read(self, user) -> bool:
        """May this user open the auditor pages and the audit API?"""
        return bool(getattr(user, "is_active", False) and getattr(user, "is_superuser", False))

    def can_verify(self, user) -> bool:
        """May this user run a chain verification from the web?"""
        return self.can_read(user)

    def visible_site_ids(self, user) -> set[int] | None:
        """Sites whose records the user may read; `None` means every site (and sitewide
        records, such as accounts and the vocabulary)."""
        return None

    def site_path(self, model: type[models.Model]) -> str | None:
        """ORM path from a record (or its history row) to its site id; `None` if the record
        belongs to no site."""
        return None

    def site_choices(self, user) -> list[tuple[int, str]]:
        """Sites offered in the filters: (id, label)."""
        return []

    def site_timezones(self) -> dict[int, str]:
        """Site id -> IANA time zone name, to show times as the clinic saw them."""
        return {}

    def display_names(self, model: type[models.Model], ids: set) -> dict:
        """Names of some records of `model` by id, as a trail shows a foreign key to them
        ("North Clinic (site 1)"). Ids left out are shown as "<type> #<id>"."""
        return {}

    def is_internal(self, model: type[models.Model]) -> bool:
        """Whether an audited model is bookkeeping rather than a record (not offered to
        auditors as a record type; its rows still chain and verify)."""
        return False

    def trail_sections(self, model: type[models.Model], pk, user) -> list[TrailSection]:
        """Extra panels for a record's trail page."""
        return []


@cache
def ledger_policy() -> LedgerPolicy:
    path = getattr(settings, "AUDIT_LEDGER_POLICY", "")
    return import_string(path)() if path else LedgerPolicy()
