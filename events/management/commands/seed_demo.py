"""`manage.py seed_demo`: realistic, deterministic demo data of any size, every row with history.

The people and places are created through the services (`audited_save`, `site_save`,
`membership_save`); the clinical record is built in memory by `events.demo` and stored by its
bulk loader (`events.demo.loader`), one transaction per batch: each record with one history
row per service step it went through, sealed into the hash chain in bulk, so 200,000 sessions
take minutes and memory stays flat at any size.
"""

import time
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.utils import timezone

from audit.context import audit_context
from audit.services import audited_save
from events.demo import (
    ACCOUNTS,
    CHANGE_REASON,
    PASSWORD,
    PROFILES,
    SITES,
    SPARSE_VITALS_ABOVE,
    DemoBatch,
    DemoCast,
    DemoGenerator,
)
from events.demo.loader import BulkLoader
from events.models import (
    AdverseEvent,
    AlertSuggestion,
    ElectronicSignature,
    EventTerm,
    InfusionSession,
    Membership,
    OutcomeMeasure,
    Patient,
    Site,
    SuicidalityAlert,
    VitalSign,
)
from events.services.sites import membership_save, site_save

SOURCE = "command:seed_demo"


class Command(BaseCommand):
    help = (
        "Fill an empty database with realistic, deterministic demo data: four clinics in "
        "different time zones, patients with induction courses and boosters over the last 18 "
        "months, vital signs, adverse events at rates calibrated to published figures "
        "through draft, review and sign-off, one planted signal, and demo logins for every "
        "role. Every row gets history "
        f"(source {SOURCE}). Runs above {SPARSE_VITALS_ABOVE:,} sessions record 3 readings "
        "per session instead of one every 10-15 minutes, to keep large runs to minutes."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=42, help="Random seed (default 42).")
        parser.add_argument(
            "--sessions", type=int, default=2000, help="Infusion sessions (default 2000)."
        )
        parser.add_argument(
            "--profile",
            choices=sorted(PROFILES),
            default="clinic",
            help=(
                "clinic (default): rates calibrated to published figures, one planted signal; "
                "stress: the benchmark set, about five events per session, nothing planted."
            ),
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when any infusion session already exists (used by `make run`).",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=2500,
            help="Sessions per transaction (default 2500); memory grows with it.",
        )

    def handle(self, *args, **options) -> None:
        sessions, batch_size = options["sessions"], options["batch_size"]
        if sessions < 0 or batch_size < 1:
            raise CommandError("--sessions must be 0 or more and --batch-size at least 1.")
        existing = InfusionSession.objects.count()
        if existing and options["if_empty"]:
            self.stdout.write(f"{existing:,} sessions already exist; nothing seeded.")
            return
        if existing:
            raise CommandError(
                f"The database already holds {existing:,} infusion sessions. seed_demo fills "
                "an empty database: use --if-empty to skip quietly, or start from a new one."
            )
        with audit_context(SOURCE), _statements_not_logged():
            cast, fresh_accounts = self._cast()
            self._record(cast, options["seed"], sessions, batch_size, PROFILES[options["profile"]])
        # The planner's statistics still describe empty tables: without them PostgreSQL
        # joins a month's sessions to the events through the status index, a scan of every
        # event per session, and the rollups below took most of a large seed's time.
        _analyse(connection)
        # bulk_create sends no save signals, so nothing was marked stale: compute every
        # month's rollup now rather than leave the reports live until the first refresh,
        # and the counted-events table the filtered reports read.
        call_command("rebuild_counted_events", stdout=self.stdout)
        call_command("refresh_rollups", stdout=self.stdout)
        self._print_logins(fresh_accounts)

    # --- people and places ---------------------------------------------------------------

    def _cast(self) -> tuple[DemoCast, set[str]]:
        """Sites, accounts and memberships, each written through its service. Rows that
        already exist (same site code or username) are reused and left unchanged."""
        User = get_user_model()
        users = {u.username: u for u in User.objects.filter(username__in=_usernames())}
        fresh = {spec.username for spec in ACCOUNTS} - set(users)
        password_hash = make_password(PASSWORD)  # hashed once: the same for every demo user
        with transaction.atomic():
            admin = users.get("admin") or _bootstrap_admin(password_hash)
            users["admin"] = admin
            for spec in ACCOUNTS:
                if spec.username not in users:
                    user = User(
                        username=spec.username,
                        first_name=spec.first_name,
                        last_name=spec.last_name,
                        email=f"{spec.username}@demo.example",
                        password=password_hash,
                    )
                    users[spec.username] = audited_save(user, actor=admin, reason=CHANGE_REASON)
            sites = {s.code: s for s in Site.objects.filter(code__in=[s.code for s in SITES])}
            for spec in SITES:
                if spec.code not in sites:
                    site = Site(code=spec.code, name=spec.name, timezone=spec.timezone)
                    for name, value in spec.thresholds.items():
                        setattr(site, name, value)
                    sites[spec.code] = site_save(site=site, actor=admin, reason=CHANGE_REASON)
            held = set(
                Membership.objects.filter(user__in=users.values()).values_list(
                    "user_id", "site_id", "role"
                )
            )
            for spec in ACCOUNTS:
                user = users[spec.username]
                for code, role in spec.memberships:
                    site = sites[code] if code else None
                    if (user.pk, site.pk if site else None, role) not in held:
                        membership = Membership(user=user, site=site, role=role)
                        membership_save(membership=membership, actor=admin, reason=CHANGE_REASON)
        ordered = [sites[spec.code] for spec in SITES]
        staff = {site.pk: [] for site in ordered}
        directors = {}
        for spec in ACCOUNTS:
            for code, role in spec.memberships:
                if code and role == "staff":
                    staff[sites[code].pk].append(users[spec.username])
                elif code and role == "medical_director":
                    directors[sites[code].pk] = users[spec.username]
        terms = {term.code: term for term in EventTerm.objects.all()}
        cast = DemoCast(admin, ordered, staff, directors, terms)
        return cast, fresh

    # --- the clinical record -------------------------------------------------------------

    def _record(self, cast: DemoCast, seed: int, sessions: int, batch_size: int, profile) -> None:
        generator = DemoGenerator(
            profile=profile,
            cast=cast,
            seed=seed,
            sessions=sessions,
            now=timezone.now(),
            dense_vitals=sessions <= SPARSE_VITALS_ABOVE,
        )
        totals = dict.fromkeys(("sessions", "vitals", "events", "signatures", "rows"), 0)
        started = time.monotonic()
        self.stdout.write(f"Seeding {sessions:,} sessions (seed {seed})...")
        loader = BulkLoader()
        for batch in generator.batches(batch_size):
            counts = self._insert(batch, loader)
            for name, value in counts.items():
                totals[name] += value
            elapsed = time.monotonic() - started
            self.stdout.write(
                f"  {totals['sessions']:>9,} / {sessions:,} sessions, "
                f"{totals['events']:,} events, {totals['rows']:,} rows with history "
                f"in {elapsed:.0f} s ({totals['rows'] / max(elapsed, 1e-9):,.0f} rows/s)"
            )
        loader.finish()
        elapsed = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {totals['sessions']:,} sessions, {totals['vitals']:,} vital signs, "
                f"{totals['events']:,} adverse events and {totals['signatures']:,} signatures "
                f"in {elapsed:.1f} s."
            )
        )

    def _insert(self, batch: DemoBatch, loader: BulkLoader) -> dict[str, int]:
        """Store one batch (one transaction), parents first; rows count the records and their
        history."""
        rows = loader.insert(Patient, batch.patients)
        rows += loader.insert(InfusionSession, batch.sessions)
        rows += loader.insert(VitalSign, batch.vitals)
        rows += loader.insert(OutcomeMeasure, batch.measures)
        rows += loader.insert(SuicidalityAlert, batch.suicidality_alerts)
        rows += loader.insert(AdverseEvent, batch.events)
        signatures = batch.signatures()  # hashes need the events' ids
        rows += loader.insert(ElectronicSignature, signatures)
        rows += loader.insert(AlertSuggestion, batch.suggestions)
        loader.commit()
        return {
            "sessions": len(batch.sessions),
            "vitals": len(batch.vitals),
            "events": len(batch.events),
            "signatures": len(signatures),
            "rows": rows,
        }

    def _print_logins(self, fresh: set[str]) -> None:
        self.stdout.write(f"\nDemo logins (password for all: {PASSWORD})")
        self.stdout.write(f"  {'username':<10} {'role':<30} sites")
        for spec in ACCOUNTS:
            where = ", ".join(code or "all sites" for code, _ in spec.memberships)
            note = "" if spec.username in fresh else "  (existing account, unchanged)"
            self.stdout.write(
                f"  {spec.username:<10} {spec.title:<30} {where or 'all (superuser)'}{note}"
            )


@contextmanager
def _statements_not_logged() -> Iterator[None]:
    """Switch off Django's statement log while loading.

    With DEBUG on (the dev settings), every statement is formatted and kept, up to 9,000 of
    them: on SQLite that is a second query per INSERT to quote the parameters, and on
    PostgreSQL hundreds of megabytes of SQL text for a large run.
    """
    previous = settings.DEBUG
    settings.DEBUG = False
    try:
        yield
    finally:
        settings.DEBUG = previous


def _analyse(connection) -> None:
    """Refresh the planner's statistics of every table (ANALYZE on both databases)."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _usernames() -> list[str]:
    return [spec.username for spec in ACCOUNTS]


def _bootstrap_admin(password_hash: str):
    """The first account has nobody to create it, so it registers itself as its creator."""
    spec = next(spec for spec in ACCOUNTS if spec.is_superuser)
    admin = get_user_model()(
        username=spec.username,
        first_name=spec.first_name,
        last_name=spec.last_name,
        email=f"{spec.username}@demo.example",
        password=password_hash,
        is_staff=True,
        is_superuser=True,
    )
    return audited_save(admin, actor=admin, reason=CHANGE_REASON)
