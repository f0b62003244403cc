"""The ledger covers what users see: every live row of an audited model must equal its latest
history version (the audited fields and the version).

The hash chains prove the history tables were not changed; they say nothing about the live
tables the application reads. A row edited behind the application's back (a direct UPDATE, a
restored backup of one table) leaves its history untouched, so this check compares the two:
it names any live row that differs from its latest history version, has no history row, or
whose latest history row says it was deleted, and any history that says a row exists whose
live row is gone.

Both tables are read in keyset chunks ordered by id (a chunk of live rows, then the latest
history version of each id in the same range), so memory stays flat at any size.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.db.models import Max

from audit.models import HistoryBase

# Problems named per table; past that only the count grows (the first ones say where to look).
NAMED_PER_TABLE = 20


@dataclass(frozen=True)
class LiveRowProblem:
    pk: int
    problem: str


@dataclass
class LiveRowReport:
    """The result of comparing one audited table with its history."""

    table: str
    rows: int = 0
    problem_count: int = 0
    problems: list[LiveRowProblem] = field(default_factory=list)

    @property
    def is_intact(self) -> bool:
        return self.problem_count == 0

    def add(self, pk: int, problem: str) -> None:
        self.problem_count += 1
        if len(self.problems) < NAMED_PER_TABLE:
            self.problems.append(LiveRowProblem(pk, problem))


def audited_models() -> list[tuple[type[models.Model], type[models.Model]]]:
    """(live model, history model) for every model whose history is in the ledger."""
    from django.apps import apps

    pairs = []
    for model in apps.get_models():
        history = getattr(model, "history", None)
        history_model = getattr(history, "model", None)
        if history_model is not None and issubclass(history_model, HistoryBase):
            pairs.append((model, history_model))
    return sorted(pairs, key=lambda pair: pair[0]._meta.db_table)


def compared_fields(model: type[models.Model], history_model: type[models.Model]) -> list[str]:
    """The live columns the history copies (fields excluded from history, such as a
    password hash, are not compared); the primary key first."""
    copied = {f.attname for f in history_model._meta.concrete_fields}
    pk = model._meta.pk.attname
    return [pk] + [
        f.attname for f in model._meta.concrete_fields if f.attname in copied and f.attname != pk
    ]


def verify_live_rows(
    model: type[models.Model],
    history_model: type[models.Model],
    using: str = "default",
    chunk_size: int = 2000,
) -> LiveRowReport:
    report = LiveRowReport(table=model._meta.db_table)
    names = compared_fields(model, history_model)
    for live_chunk, latest in _chunks(model, history_model, names, using, chunk_size):
        for live in live_chunk:
            pk = live[names[0]]
            report.rows += 1
            version = latest.pop(pk, None)
            problem = _compare(live, version, names)
            if problem:
                report.add(pk, problem)
        # History left over in this id range has no live row at all.
        for pk, version in sorted(latest.items()):
            if version["history_type"] != "-":
                report.add(pk, "live row is missing, but its history says it exists")
    return report


def _chunks(
    model: type[models.Model],
    history_model: type[models.Model],
    names: list[str],
    using: str,
    chunk_size: int,
) -> Iterator[tuple[list[dict[str, Any]], dict[Any, dict[str, Any]]]]:
    """(live rows, {id: latest history version}) per keyset chunk of ids. The last chunk
    reaches past the last live row, so history of rows removed at the end is read too."""
    pk = names[0]
    live = model._base_manager.using(using).order_by(pk).values(*names)
    history = history_model._default_manager.using(using)
    after = None
    while True:
        page = live if after is None else live.filter(**{f"{pk}__gt": after})
        rows = list(page[:chunk_size])
        upto = rows[-1][pk] if len(rows) == chunk_size else None
        in_range = history.all()
        if after is not None:
            in_range = in_range.filter(**{f"{pk}__gt": after})
        if upto is not None:
            in_range = in_range.filter(**{f"{pk}__lte": upto})
        latest_ids = in_range.values(pk).annotate(latest=Max("pk")).values("latest")
        versions = history.filter(pk__in=latest_ids).values(*names, "history_id", "history_type")
        yield rows, {version[pk]: version for version in versions.iterator(chunk_size)}
        if upto is None:
            return
        after = upto


def _compare(live: dict[str, Any], version: dict[str, Any] | None, names: list[str]) -> str:
    if version is None:
        return "live row has no history row"
    if version["history_type"] == "-":
        return (
            f"live row exists, but its latest history (history_id {version['history_id']}) "
            "says it was deleted"
        )
    differing = [name for name in names if live[name] != version[name]]
    if differing:
        return (
            f"live row differs from its latest history version (history_id "
            f"{version['history_id']}) in: {', '.join(differing)}"
        )
    return ""


def verify_all_live_rows(using: str = "default") -> Iterable[LiveRowReport]:
    for model, history_model in audited_models():
        yield verify_live_rows(model, history_model, using=using)
