"""The event vocabulary and the sites with their alert thresholds."""

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from events.api.serializers.base import StrictModelSerializer
from events.models import EventTerm, Site


class GradeSerializer(serializers.Serializer):
    grade = serializers.IntegerField()
    text = serializers.CharField()


class EventTermOutputSerializer(serializers.ModelSerializer):
    grades = serializers.SerializerMethodField()

    class Meta:
        model = EventTerm
        fields = [
            "id",
            "code",
            "name",
            "category",
            "ctcae_term",
            "grades",
            "is_expected",
            "requires_text",
            "meddra_code",
            "is_active",
        ]
        read_only_fields = fields

    @extend_schema_field(GradeSerializer(many=True))
    def get_grades(self, term: EventTerm) -> list[dict[str, Any]]:
        """CTCAE v5 wording of grades 1-5 (empty text: the grade is not defined)."""
        grades = [{"grade": grade, "text": text} for grade, text in term.grades]
        return list(GradeSerializer(grades, many=True).data)


class SiteOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Site
        fields = ["id", "code", "name", "timezone", "is_active", *Site.THRESHOLD_FIELDS, "version"]
        read_only_fields = fields


class SiteThresholdsInputSerializer(StrictModelSerializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True)

    class Meta:
        model = Site
        fields = [*Site.THRESHOLD_FIELDS, "reason"]
