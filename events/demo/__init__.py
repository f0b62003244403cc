"""Deterministic demo data for `manage.py seed_demo` and the benchmark data sets.

- `specs`: the clinic as data (sites, logins, event rates calibrated to published figures, the
  planted signal, the `clinic` and `stress` profiles);
- `generator`: `DemoGenerator`, which turns a seed, a size and a profile into batches of
  unsaved records filled exactly as the services fill them.
"""

from events.demo.generator import DemoBatch, DemoCast, DemoGenerator
from events.demo.specs import (
    ACCOUNTS,
    CHANGE_REASON,
    PASSWORD,
    PLANTED_SIGNAL,
    PROFILES,
    SITES,
    SPARSE_VITALS_ABOVE,
)

__all__ = [
    "ACCOUNTS",
    "CHANGE_REASON",
    "PASSWORD",
    "PLANTED_SIGNAL",
    "PROFILES",
    "SITES",
    "SPARSE_VITALS_ABOVE",
    "DemoBatch",
    "DemoCast",
    "DemoGenerator",
]
