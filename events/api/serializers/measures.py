"""Outcome measures, suicidality alerts and a patient's course in the API."""

from typing import Any

from rest_framework import serializers

from events.api.serializers.base import StrictModelSerializer, StrictSerializer
from events.models import OutcomeMeasure, SuicidalityAlert
from events.services.measures import MEASURE_FIELDS


class OutcomeMeasureOutputSerializer(serializers.ModelSerializer[OutcomeMeasure]):
    recorded_by = serializers.CharField(source="recorded_by.get_username")
    item9_positive = serializers.BooleanField()
    screen_positive = serializers.BooleanField()

    class Meta:
        model = OutcomeMeasure
        fields = [
            "id",
            "session",
            *MEASURE_FIELDS,
            "item9_positive",
            "screen_positive",
            "recorded_by",
            "is_voided",
            "void_reason",
            "version",
        ]
        read_only_fields = fields


class OutcomeMeasureInputSerializer(StrictModelSerializer):
    """PHQ-9 items 0-3 (all nine, or none), an optional total that must equal their sum,
    optional MADRS (0-60) and GAD-7 (0-21) totals, and the two screening answers (both, or
    neither). Ranges and sums are checked by the service, which names each field."""

    class Meta:
        model = OutcomeMeasure
        fields = list(MEASURE_FIELDS)
        extra_kwargs = {
            "recorded_at": {
                "required": False,
                "help_text": "Defaults to now (to the start when the infusion is under way).",
            }
        }


class SuicidalityAlertOutputSerializer(serializers.ModelSerializer[SuicidalityAlert]):
    chart_number = serializers.CharField(source="session.patient.chart_number")
    site = serializers.CharField(source="session.site.code")
    decided_by = serializers.CharField(
        source="decided_by.get_username", allow_null=True, default=None
    )

    class Meta:
        model = SuicidalityAlert
        fields = [
            "id",
            "session",
            "measure",
            "chart_number",
            "site",
            "summary",
            "raised_at",
            "status",
            "decision_reason",
            "decided_by",
            "decided_at",
            "event",
            "version",
        ]
        read_only_fields = fields


class MeasureRecordedSerializer(serializers.Serializer[Any]):
    """The measures just stored, with the alert a positive item 9 or screen raised."""

    measure = OutcomeMeasureOutputSerializer()
    alert = SuicidalityAlertOutputSerializer(allow_null=True)


class AlertConfirmSerializer(StrictSerializer):
    file_event = serializers.BooleanField(
        default=False,
        help_text='File a pre-filled draft "suicidal ideation" event and link it.',
    )
    reason = serializers.CharField(max_length=2000, allow_blank=True, required=False)


class CourseSessionSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(source="pk")
    number = serializers.IntegerField()
    started_at = serializers.DateTimeField()
    status = serializers.CharField()
    dose_mg_per_kg = serializers.DecimalField(max_digits=5, decimal_places=3)
    phq9 = serializers.IntegerField(allow_null=True)
    madrs = serializers.IntegerField(allow_null=True)
    item9 = serializers.IntegerField(allow_null=True)
    screen_positive = serializers.BooleanField()
    worst_grade = serializers.IntegerField(allow_null=True)
    peak_systolic = serializers.IntegerField(allow_null=True)
    peak_cadss6 = serializers.IntegerField(allow_null=True)
    responded = serializers.BooleanField()
    remitted = serializers.BooleanField()


class CourseOutcomeSerializer(serializers.Serializer[Any]):
    baseline = serializers.IntegerField(allow_null=True)
    evaluated_at = serializers.IntegerField(allow_null=True)
    score = serializers.IntegerField(allow_null=True)
    evaluable = serializers.BooleanField()
    responded = serializers.BooleanField()
    remitted = serializers.BooleanField()


class CourseSerializer(serializers.Serializer[Any]):
    patient = serializers.IntegerField(source="patient.pk")
    sessions = CourseSessionSerializer(many=True)
    outcome = CourseOutcomeSerializer()
    counting_rules = serializers.ListField(child=serializers.CharField())
