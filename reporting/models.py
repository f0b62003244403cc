"""Monthly rollups: the safety summary's grouped counts, precomputed per site and month.

Both tables are derived from the clinical record and can be rebuilt from it at any time
(`manage.py refresh_rollups`); they are not records themselves, so they keep no history and
are not part of the ledger. See `reporting.rollups` for how they are read and refreshed.
"""

from django.db import models

from events.models import Site


class MonthlyRollup(models.Model):
    """The summary's frames for the counted sessions of one site in one stored month.

    Derived data, rebuilt from the record by the refresh: no history, updated in place. Each
    frame is what the `reporting.queries` function of the same name returns for this
    partition alone, as `{"columns": [...], "data": [[...], ...]}`. The patient ids are kept
    (sorted) because distinct patients do not add up across months or sites: a report takes
    the union of its partitions' ids.

    A rollup is used only while no `StalePartition` row names its site and month.
    """

    # Indexed through the (site, month) constraint, not on its own.
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+", db_index=False)
    month = models.CharField(max_length=7)  # InfusionSession.month, site-local "YYYY-MM"
    sessions_cube = models.JSONField()
    events_cube = models.JSONField()
    term_month_worst = models.JSONField()
    patient_ids = models.JSONField()
    patient_with_event_ids = models.JSONField()
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["site", "month"], name="rollup_one_per_site_month")
        ]

    def __str__(self) -> str:
        return f"Rollup {self.site_id} {self.month}"


class StalePartition(models.Model):
    """A mark that the counts of one site and month changed since its rollup was computed.

    Every save of a session, an event or a patient inserts one, in the saving transaction
    (`reporting.signals`); only inserts, so writers never wait on each other here. The
    refresh deletes exactly the marks it read before recomputing, so a mark inserted while
    it ran survives it. Derived bookkeeping: no history.
    """

    # Indexed through the (site, month) index, not on its own.
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+", db_index=False)
    month = models.CharField(max_length=7)
    marked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["site", "month"])]

    def __str__(self) -> str:
        return f"Stale {self.site_id} {self.month}"
