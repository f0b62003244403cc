"""Signals of the import, for the apps above the record that keep derived tables."""

from django.dispatch import Signal

# Sent in the importing transaction after records were written in bulk (no save signals):
# `site_id` and `months` ("2026-03") name the partitions whose sessions or events changed.
records_imported = Signal()
