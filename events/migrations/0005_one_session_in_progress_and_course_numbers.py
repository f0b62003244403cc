"""Course numbers follow start times, and a patient has at most one session in progress.

1. Renumber every patient's course (`events.rules.course_numbers`: the n-th started,
   non-voided session by start time is number n). Each session whose number changes is saved
   with its version raised by one and a history row ("~") written in the same transaction,
   sealed into the chain by `audit.chain.seal`, the ledger's own path for rows inserted in
   bulk: the frozen models of a migration have no history signals, so the rows are written
   here by hand, as 0002 does for the vocabulary.
2. Refuse to go on, naming the sessions, if a patient has several sessions in progress: which
   one is real is a clinical question, not a migration's. Close or void the extra ones through
   the application (a rollback leaves the database as it was), then migrate again.
3. Add the partial unique index that keeps it so.
"""

import uuid

from django.db import migrations, models
from django.utils import timezone

from audit.chain import seal
from events.rules import CourseEntry, course_numbers

REASON = "Course renumbered: numbers follow start times (migration 0005)"


def renumber_courses(apps, schema_editor):
    InfusionSession = apps.get_model("events", "InfusionSession")
    HistoricalInfusionSession = apps.get_model("events", "HistoricalInfusionSession")
    using = schema_editor.connection.alias
    rows = (
        InfusionSession.objects.using(using)
        .filter(is_voided=False)
        .order_by("patient_id", "pk")
        .values_list("pk", "patient_id", "status", "started_at", "sequence_number")
    )
    courses: dict[int, list] = {}
    for row in rows:
        courses.setdefault(row[1], []).append(row)
    wrong: dict[int, int] = {}
    for sessions in courses.values():
        numbers = course_numbers(
            CourseEntry(pk, status != "planned", started_at)
            for pk, _, status, started_at, _ in sessions
        )
        wrong.update({pk: numbers[pk] for pk, *_, number in sessions if numbers[pk] != number})
    if not wrong:
        return
    now, request_id = timezone.now(), str(uuid.uuid4())
    fields = [field.attname for field in InfusionSession._meta.concrete_fields]
    history = []
    for session in InfusionSession.objects.using(using).filter(pk__in=list(wrong)).order_by("pk"):
        session.sequence_number = wrong[session.pk]
        session.version += 1
        session.save(using=using, update_fields=["sequence_number", "version"])
        history.append(
            HistoricalInfusionSession(
                **{name: getattr(session, name) for name in fields},
                history_date=now,
                history_type="~",
                history_change_reason=REASON,
                history_user_name="system (migration)",
                request_id=request_id,
                source="command:migrate",
            )
        )
    seal(history, using, in_bulk=True)
    HistoricalInfusionSession.objects.using(using).bulk_create(history)


def refuse_two_sessions_in_progress(apps, schema_editor):
    InfusionSession = apps.get_model("events", "InfusionSession")
    using = schema_editor.connection.alias
    open_sessions = (
        InfusionSession.objects.using(using)
        .filter(status="in_progress", is_voided=False)
        .values("patient_id")
        .annotate(n=models.Count("pk"))
        .filter(n__gt=1)
        .values_list("patient_id", flat=True)
    )
    patients = list(open_sessions)
    if patients:
        ids = list(
            InfusionSession.objects.using(using)
            .filter(patient_id__in=patients, status="in_progress", is_voided=False)
            .order_by("patient_id", "started_at")
            .values_list("pk", flat=True)
        )
        raise RuntimeError(
            "These patients have more than one session in progress: "
            f"patient ids {patients}, session ids {ids}. Finish or void the extra sessions "
            "in the application, then run migrate again."
        )


class Migration(migrations.Migration):
    dependencies = [("events", "0004_history_log_indexes")]

    operations = [
        migrations.RunPython(renumber_courses, migrations.RunPython.noop),
        migrations.RunPython(refuse_two_sessions_in_progress, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="infusionsession",
            constraint=models.UniqueConstraint(
                condition=models.Q(("is_voided", False), ("status", "in_progress")),
                fields=("patient",),
                name="session_one_in_progress_per_patient",
                violation_error_message="This patient already has a session in progress.",
            ),
        ),
    ]
