"""Patients: a chart number, a birth year, sex and indication, at one site."""

from rest_framework import serializers

from events.api.serializers.base import (
    ReferenceField,
    SiteBriefSerializer,
    StrictModelSerializer,
)
from events.models import Patient
from events.selectors import site_get


class PatientOutputSerializer(serializers.ModelSerializer):
    site = SiteBriefSerializer()

    class Meta:
        model = Patient
        fields = ["id", "site", "chart_number", "birth_year", "sex", "indication", "version"]
        read_only_fields = fields


class PatientCreateInputSerializer(StrictModelSerializer):
    site = ReferenceField(get=site_get, help_text="Id of the site the patient attends.")

    class Meta:
        model = Patient
        fields = ["site", "chart_number", "birth_year", "sex", "indication"]


class PatientUpdateInputSerializer(StrictModelSerializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True)

    class Meta:
        model = Patient
        fields = ["chart_number", "birth_year", "sex", "indication", "reason"]
