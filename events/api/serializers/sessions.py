"""Infusion sessions, their vital signs and the suggested events the readings raise."""

from typing import Any

from rest_framework import serializers

from events.api.serializers.base import (
    ReferenceField,
    SiteBriefSerializer,
    StrictModelSerializer,
    StrictSerializer,
)
from events.choices import SessionStatus
from events.models import AlertSuggestion, InfusionSession, Patient, VitalSign
from events.selectors import patient_get
from events.services.sessions import EDITABLE_FIELDS, START_FIELDS

# The statuses a session starts in, and those it finishes in (named in the OpenAPI schema).
START_STATUSES = [SessionStatus.IN_PROGRESS, SessionStatus.PLANNED]
FINISH_STATUSES = [SessionStatus.COMPLETED, SessionStatus.STOPPED_EARLY]


class PatientBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Patient
        fields = ["id", "chart_number"]
        read_only_fields = fields


class InfusionSessionOutputSerializer(serializers.ModelSerializer):
    patient = PatientBriefSerializer()
    site = SiteBriefSerializer()
    administered_by = serializers.CharField(source="administered_by.get_username")

    class Meta:
        model = InfusionSession
        fields = [
            "id",
            "patient",
            "site",
            "sequence_number",
            *START_FIELDS,
            "ended_at",
            "discharged_at",
            "minutes_to_discharge_ready",
            "dose_band",
            "administered_by",
            "is_voided",
            "void_reason",
            "version",
        ]
        read_only_fields = fields


class InfusionSessionStartInputSerializer(StrictModelSerializer):
    patient = ReferenceField(get=patient_get, help_text="Id of the patient.")
    status = serializers.ChoiceField(
        choices=START_STATUSES,
        required=False,
        help_text="in_progress (default, starts now unless started_at is given) or planned.",
    )

    class Meta:
        model = InfusionSession
        fields = ["patient", *START_FIELDS]
        extra_kwargs = {"total_dose_mg": {"required": False}}


class InfusionSessionUpdateInputSerializer(StrictModelSerializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True)

    class Meta:
        model = InfusionSession
        fields = [*EDITABLE_FIELDS, "reason"]
        extra_kwargs = {"total_dose_mg": {"required": False}}


class InfusionSessionFinishInputSerializer(StrictSerializer):
    status = serializers.ChoiceField(
        choices=FINISH_STATUSES,
        help_text="completed, or stopped_early (then a reason is required).",
    )
    ended_at = serializers.DateTimeField(required=False, help_text="Defaults to now.")
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class InfusionSessionDischargeInputSerializer(StrictSerializer):
    discharged_at = serializers.DateTimeField(required=False, help_text="Defaults to now.")
    minutes_to_discharge_ready = serializers.IntegerField(
        required=False, min_value=0, max_value=1440
    )


class VitalSignOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = VitalSign
        fields = [
            "id",
            "session",
            "taken_at",
            "minutes_from_start",
            *VitalSign.MEASUREMENTS,
            "recorded_by",
            "version",
        ]
        read_only_fields = fields


class VitalSignInputSerializer(StrictModelSerializer):
    class Meta:
        model = VitalSign
        fields = ["taken_at", *VitalSign.MEASUREMENTS]
        extra_kwargs = {"taken_at": {"required": False, "help_text": "Defaults to now."}}


class AlertSuggestionOutputSerializer(serializers.ModelSerializer):
    term: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    term_name = serializers.CharField(source="term.name")
    minutes_from_start = serializers.IntegerField(
        source="vital_sign.minutes_from_start", allow_null=True
    )

    class Meta:
        model = AlertSuggestion
        fields = [
            "id",
            "session",
            "term",
            "term_name",
            "grade",
            "summary",
            "vital_sign",
            "minutes_from_start",
            "status",
            "dismiss_reason",
            "event",
            "version",
        ]
        read_only_fields = fields


class VitalSignRecordedSerializer(serializers.Serializer):
    """The reading just stored, with the suggestions it raised or moved to a worse reading."""

    vital_sign = VitalSignOutputSerializer()
    suggestions = AlertSuggestionOutputSerializer(many=True)
