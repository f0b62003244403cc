"""Adverse events: filing, amending, the review actions and the signatures."""

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from events.api.serializers.base import (
    CodeReferenceField,
    ReferenceField,
    SiteBriefSerializer,
    StrictModelSerializer,
    StrictSerializer,
)
from events.choices import Causality
from events.models import AdverseEvent, ElectronicSignature
from events.selectors import (
    infusion_session_get,
    signature_is_valid,
    term_list,
    vital_sign_get,
)
from events.services.adverse_events import EDITABLE_FIELDS

READ_ONLY_NAMES = frozenset({"site", "status", "version", "reported_by", "signatures"})


class ElectronicSignatureOutputSerializer(serializers.ModelSerializer):
    is_current = serializers.BooleanField()
    integrity = serializers.SerializerMethodField(
        help_text="valid: the event still has the content signed; does_not_match: it does not."
    )

    class Meta:
        model = ElectronicSignature
        fields = [
            "id",
            "signer_name",
            "meaning",
            "signed_at",
            "event_version",
            "content_hash",
            "superseded_at",
            "is_current",
            "integrity",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=["valid", "does_not_match"]))
    def get_integrity(self, signature) -> str:
        return "valid" if signature_is_valid(signature) else "does_not_match"


class AdverseEventListOutputSerializer(serializers.ModelSerializer):
    """The fields a list or queue row shows; nothing that needs another query per row."""

    site = SiteBriefSerializer()
    patient_chart_number = serializers.CharField(source="session.patient.chart_number")
    term: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    term_label = serializers.CharField()
    reported_by = serializers.CharField(source="reported_by.get_username")
    causality = serializers.ChoiceField(
        choices=Causality.choices,
        allow_blank=True,
        read_only=True,
        help_text="Empty until a director assesses the event.",
    )

    class Meta:
        model = AdverseEvent
        fields = [
            "id",
            "site",
            "session",
            "patient_chart_number",
            "term",
            "term_label",
            "onset_at",
            "onset_minutes",
            "grade",
            "is_serious",
            "is_expected",
            "outcome",
            "causality",
            "status",
            "submitted_at",
            "review_due_at",
            "reported_by",
            "version",
        ]
        read_only_fields = fields


class AdverseEventDetailOutputSerializer(AdverseEventListOutputSerializer):
    source_vital: serializers.PrimaryKeyRelatedField[Any] = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True
    )
    seriousness_criteria = serializers.ListField(child=serializers.CharField())
    signatures = ElectronicSignatureOutputSerializer(many=True)

    class Meta(AdverseEventListOutputSerializer.Meta):
        fields = [
            *AdverseEventListOutputSerializer.Meta.fields,
            # Every field a reporter can edit (the service's list), then the bookkeeping.
            *(
                name
                for name in EDITABLE_FIELDS
                if name not in AdverseEventListOutputSerializer.Meta.fields
            ),
            "seriousness_criteria",
            "void_reason",
            "created_at",
            "updated_at",
            "signatures",
        ]
        read_only_fields = fields


class ReviewQueueItemSerializer(AdverseEventListOutputSerializer):
    priority = serializers.IntegerField(
        help_text="0: serious and unexpected, 1: serious, 2: other."
    )
    hours_left = serializers.SerializerMethodField(
        help_text="Hours until the review is due (negative when overdue)."
    )
    open_questions = serializers.SerializerMethodField(
        help_text="Directors' questions on the event still open or answered (they hold up "
        "the sign-off)."
    )

    class Meta(AdverseEventListOutputSerializer.Meta):
        fields = [
            *AdverseEventListOutputSerializer.Meta.fields,
            "priority",
            "hours_left",
            "open_questions",
        ]
        read_only_fields = fields

    def get_open_questions(self, event) -> int:
        return self.context.get("open_questions", {}).get(event.pk, 0)

    def get_hours_left(self, event) -> float | None:
        if event.review_due_at is None:
            return None
        return round((event.review_due_at - self.context["now"]).total_seconds() / 3600, 1)


class _AdverseEventInputSerializer(StrictModelSerializer):
    read_only_names = READ_ONLY_NAMES
    term = CodeReferenceField(
        queryset=term_list, max_length=60, help_text="Term code, e.g. hypertension."
    )
    source_vital = ReferenceField(
        get=vital_sign_get, required=False, allow_null=True, help_text="Id of the reading."
    )


class AdverseEventCreateInputSerializer(_AdverseEventInputSerializer):
    session = ReferenceField(get=infusion_session_get, help_text="Id of the session.")
    submit = serializers.BooleanField(
        required=False, default=False, help_text="Submit at once instead of saving a draft."
    )
    confirm_not_duplicate = serializers.BooleanField(
        required=False,
        default=False,
        help_text=(
            "File the event even though one like it is on file (same term, onset within the "
            "duplicate window, same session or same patient within a day). Without it such "
            "a filing is refused with 409 naming the events on file."
        ),
    )

    class Meta:
        model = AdverseEvent
        fields = ["session", *EDITABLE_FIELDS, "submit", "confirm_not_duplicate"]


class AdverseEventUpdateInputSerializer(_AdverseEventInputSerializer):
    reason = serializers.CharField(
        max_length=2000,
        required=False,
        allow_blank=True,
        help_text="Required to amend a submitted or signed-off event.",
    )

    class Meta:
        model = AdverseEvent
        fields = [*EDITABLE_FIELDS, "reason"]


class AdverseEventAssessInputSerializer(StrictSerializer):
    causality = serializers.ChoiceField(choices=Causality.choices)
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class AdverseEventSignOffInputSerializer(StrictSerializer):
    password = serializers.CharField(
        max_length=256, trim_whitespace=False, help_text="Your password, re-entered to sign."
    )


class AdverseEventVoidInputSerializer(StrictSerializer):
    reason = serializers.CharField(max_length=2000, help_text="Why the event is voided.")
