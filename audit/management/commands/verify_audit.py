"""`manage.py verify_audit`: prove from the database itself that no audited row was changed.

Recomputes every hash chain and prints one line per table. On any change, deletion, insertion
or reordering it names the first broken row (table and primary key) and exits with status 1.
Then compares every live row of every audited table with its latest history version, and
names (table and id) any live row that differs, has no history, or whose history says it was
deleted; that too exits with status 1.

    manage.py verify_audit                      # verify, record the run, exit 1 on a break
    manage.py verify_audit --heads > heads.txt  # print every chain's head to keep elsewhere
    manage.py verify_audit --expect-heads heads.txt   # also prove nothing was cut off the end
"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from audit.chain import ChainHead, chain_heads
from audit.models import VerificationRun
from audit.services import verification_run_perform


def parse_heads(text: str) -> dict[str, ChainHead]:
    """Read heads printed by `--heads`: `chain last_pk hash` per line, `#` starts a comment.

    A chain is named by its table, with `@site<id>` for a site's chain (`audit.chain`); a
    file recorded before the chains were split per site names each table's global chain."""
    heads = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        if len(parts) != 3 or len(parts[2]) != 64:
            raise CommandError(f"Line {number} is not 'chain last_pk hash': {line!r}")
        name, last_pk, digest = parts
        table, _, site = name.partition("@site")
        if site and not site.isdigit():
            raise CommandError(f"Line {number} names no chain: {name!r}")
        head = ChainHead(
            table, None if last_pk == "-" else int(last_pk), digest, int(site) if site else None
        )
        heads[head.chain] = head
    return heads


class Command(BaseCommand):
    help = (
        "Verify every audit hash chain and every live row against its latest history version; "
        "name the first broken row and every mismatched live row, and exit 1 on any."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--heads",
            action="store_true",
            help="Print the latest head of every chain (table, last pk, hash) and exit.",
        )
        parser.add_argument(
            "--expect-heads",
            metavar="FILE",
            help="Heads recorded earlier with --heads; each must still be in its chain.",
        )
        parser.add_argument("--database", default="default")

    def handle(
        self,
        *args: Any,
        heads: bool = False,
        expect_heads: str | None = None,
        database: str = "default",
        **options: Any,
    ) -> None:
        if heads:
            self._print_heads(database)
            return
        recorded = None
        if expect_heads:
            try:
                recorded = parse_heads(Path(expect_heads).read_text())
            except OSError as error:
                raise CommandError(f"Cannot read {expect_heads}: {error}") from error
        run = verification_run_perform(recorded_heads=recorded, using=database)
        self._print_summary(run)
        if run.is_intact:
            self.stdout.write(
                self.style.SUCCESS(
                    f"All {len(run.chain_tables)} chains intact; all "
                    f"{len(run.live_tables)} live tables match their history."
                )
            )
            return
        broken_chains = [t for t in run.broken_tables if t.get("kind") != "live"]
        for table in broken_chains:
            where = f"row {table['first_break']}" if table["first_break"] is not None else "tail"
            self.stderr.write(f"BROKEN {table['table']} at {where}: {table['problem']}")
        mismatched = [t for t in run.broken_tables if t.get("kind") == "live"]
        for table in mismatched:
            for row in table["rows_named"]:
                self.stderr.write(f"MISMATCH {table['table']} row {row['id']}: {row['problem']}")
            hidden = table["problem_count"] - len(table["rows_named"])
            if hidden:
                self.stderr.write(f"MISMATCH {table['table']}: {hidden} more row(s) not named")
        raise CommandError(self._failure(broken_chains, mismatched), returncode=1)

    def _print_summary(self, run: VerificationRun) -> None:
        width = max((len(t["table"]) for t in run.tables), default=10)
        self.stdout.write(f"{'table':<{width}}  {'rows':>9}  status  head")
        for table in run.chain_tables:
            self.stdout.write(
                f"{table['table']:<{width}}  {table['rows']:>9}  "
                f"{table['status']:<6}  {table['head'][:16]}"
            )
        self.stdout.write(f"{'live table':<{width}}  {'rows':>9}  status")
        for table in run.live_tables:
            self.stdout.write(f"{table['table']:<{width}}  {table['rows']:>9}  {table['status']}")

    @staticmethod
    def _failure(broken_chains: list[dict[str, Any]], mismatched: list[dict[str, Any]]) -> str:
        parts = []
        if broken_chains:
            first = broken_chains[0]
            where = (
                f"at row {first['first_break']}"
                if first["first_break"] is not None
                else "(rows missing at the end)"
            )
            parts.append(f"Audit chain broken: first break in {first['table']} {where}.")
        if mismatched:
            named = "; ".join(f"{t['table']} row {t['first_break']}" for t in mismatched)
            parts.append(f"Live rows do not match the ledger: {named}.")
        return " ".join(parts)

    def _print_heads(self, database: str) -> None:
        self.stdout.write(f"# Safety Ledger chain heads at {timezone.now().isoformat()}")
        self.stdout.write("# chain (table, @site<id> for a site's chain) last_pk hash")
        for head in chain_heads(using=database):
            last_pk = "-" if head.last_pk is None else head.last_pk
            self.stdout.write(f"{head.chain} {last_pk} {head.hash}")
