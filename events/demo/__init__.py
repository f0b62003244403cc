"""Deterministic demo data for `manage.py seed_demo` and the benchmark data sets.

- `specs`: the clinic as data (sites, logins, event rates calibrated to published figures, the
  planted signal, the `clinic` and `stress` profiles);
- `generator`: `DemoGenerator`, which turns a seed, a size and a profile into batches of
  unsaved records filled exactly as the services fill them: patients, courses and sessions
  there, each session's readings in `vitals`, its events in `adverse_events`, their review
  and sign-off in `lifecycle`, from one random stream;
- `plan`: the shapes they fill (the saved cast, a patient's profile, a session's plan, the
  batch of unsaved rows and its signatures);
- `outcomes`: the PHQ-9 course and suicidality alerts; `loader`: the bulk writer.
"""

from events.demo.generator import DemoGenerator
from events.demo.plan import DemoBatch, DemoCast
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
