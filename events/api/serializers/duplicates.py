"""Likely duplicates: the pairs a director resolves, and the two resolutions."""

from typing import Any

from rest_framework import serializers

from events.api.serializers.adverse_events import AdverseEventListOutputSerializer
from events.api.serializers.base import ReferenceField, StrictSerializer
from events.models import DuplicateDismissal
from events.selectors import adverse_event_get


class DuplicatePairOutputSerializer(serializers.Serializer[Any]):
    first = AdverseEventListOutputSerializer(help_text="The event filed first (lower id).")
    second = AdverseEventListOutputSerializer()


class DuplicateVoidInputSerializer(StrictSerializer):
    void = ReferenceField(get=adverse_event_get, help_text="Id of the event to void.")
    keep = ReferenceField(get=adverse_event_get, help_text="Id of the event it duplicates.")


class DuplicateDismissInputSerializer(StrictSerializer):
    first_event = ReferenceField(get=adverse_event_get, help_text="Id of one event of the pair.")
    second_event = ReferenceField(get=adverse_event_get, help_text="Id of the other event.")
    reason = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, help_text="Why they differ."
    )


class DuplicateDismissalOutputSerializer(serializers.ModelSerializer[DuplicateDismissal]):
    dismissed_by = serializers.CharField(source="dismissed_by.get_username")

    class Meta:
        model = DuplicateDismissal
        fields = [
            "id",
            "first_event",
            "second_event",
            "site",
            "dismissed_by",
            "reason",
            "created_at",
        ]
        read_only_fields = fields
