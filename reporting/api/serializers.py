"""The JSON form of a safety summary: the dashboard's figures, tables as lists of records, and
each term's rate beside its published reference."""

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from reporting.models import ReferenceUnit, SignalAssessment
from reporting.presentation import table_records
from reporting.summary import SafetySummary


class IntervalSerializer(serializers.Serializer[Any]):
    estimate = serializers.FloatField(allow_null=True)
    lower = serializers.FloatField(allow_null=True)
    upper = serializers.FloatField(allow_null=True)
    method = serializers.CharField()
    is_upper_bound_only = serializers.BooleanField()


class PChartPointSerializer(serializers.Serializer[Any]):
    label = serializers.CharField()  # type: ignore[assignment]  # the stubs see Field.label
    count = serializers.IntegerField()
    n = serializers.IntegerField()
    proportion = serializers.FloatField(allow_null=True)
    lcl = serializers.FloatField(allow_null=True)
    ucl = serializers.FloatField(allow_null=True)
    above_ucl = serializers.BooleanField()
    in_run = serializers.BooleanField()
    lcl_count = serializers.IntegerField(allow_null=True)
    ucl_count = serializers.IntegerField(allow_null=True)
    expected = serializers.FloatField()
    is_judged = serializers.BooleanField()
    p_value = serializers.FloatField()


class PChartSerializer(serializers.Serializer[Any]):
    centre = serializers.FloatField(allow_null=True)
    points = PChartPointSerializer(many=True)


class FunnelUnitSerializer(serializers.Serializer[Any]):
    label = serializers.CharField()  # type: ignore[assignment]  # the stubs see Field.label
    events = serializers.IntegerField()
    n = serializers.IntegerField()
    proportion = serializers.FloatField(allow_null=True)
    lo95 = serializers.FloatField(allow_null=True)
    hi95 = serializers.FloatField(allow_null=True)
    lo998 = serializers.FloatField(allow_null=True)
    hi998 = serializers.FloatField(allow_null=True)
    outside_95 = serializers.BooleanField()
    outside_998 = serializers.BooleanField()
    is_judged = serializers.BooleanField()


class FunnelSerializer(serializers.Serializer[Any]):
    target = serializers.FloatField(allow_null=True)
    phi = serializers.FloatField(help_text="Overdispersion factor the limits use (1 = none).")
    dispersion_p = serializers.FloatField()
    units = FunnelUnitSerializer(many=True)


class SignalSerializer(serializers.Serializer[Any]):
    key = serializers.CharField()
    kind = serializers.ChoiceField(choices=["p_chart", "term", "funnel"])
    label = serializers.CharField()  # type: ignore[assignment]  # the stubs see Field.label
    detail = serializers.CharField()
    findings = serializers.ListField(child=serializers.CharField())
    filters = serializers.DictField()
    query = serializers.CharField()


class OverdueSessionSerializer(serializers.Serializer[Any]):
    session_id = serializers.IntegerField()
    site_code = serializers.CharField()
    patient_chart_number = serializers.CharField()
    sequence_number = serializers.IntegerField()
    started_at = serializers.DateTimeField()
    planned_end_at = serializers.DateTimeField()
    minutes_overdue = serializers.IntegerField()


class DataQualitySerializer(serializers.Serializer[Any]):
    """Sessions left in progress past their planned end by more than the margin."""

    margin_minutes = serializers.IntegerField(source="overdue_margin_minutes")
    overdue_session_count = serializers.IntegerField()
    overdue_sessions = OverdueSessionSerializer(many=True)


class PeriodSerializer(serializers.Serializer[Any]):
    date_from = serializers.DateField(allow_null=True)
    date_to = serializers.DateField(allow_null=True)
    months = serializers.ListField(child=serializers.CharField())
    label = serializers.CharField()  # type: ignore[assignment]  # the stubs see Field.label


class TablesSerializer(serializers.Serializer[Any]):
    """Each breakdown as a list of records; column names are those of the CSV tables."""

    by_term = serializers.ListField(child=serializers.DictField())
    by_category = serializers.ListField(child=serializers.DictField())
    by_grade = serializers.ListField(child=serializers.DictField())
    by_month = serializers.ListField(child=serializers.DictField())
    by_site = serializers.ListField(child=serializers.DictField())
    by_route = serializers.ListField(child=serializers.DictField())
    by_drug = serializers.ListField(child=serializers.DictField())
    by_dose_band = serializers.ListField(child=serializers.DictField())
    by_session_number = serializers.ListField(child=serializers.DictField())
    by_onset = serializers.ListField(child=serializers.DictField())


class ReferenceComparisonSerializer(serializers.Serializer[Any]):
    """A term's rate over the report's filters beside its published reference, with the
    two-sided Fisher exact test (`reporting.reference_rates`). Rates are fractions."""

    term = serializers.CharField(source="reference.term.code")
    term_name = serializers.CharField(source="reference.term.name")
    unit = serializers.ChoiceField(choices=ReferenceUnit.choices, source="reference.unit")
    count = serializers.IntegerField()
    denominator = serializers.IntegerField()
    rate = IntervalSerializer(source="interval")
    reference_rate = serializers.FloatField(source="reference.rate")
    reference_denominator = serializers.IntegerField(source="reference.denominator")
    reference_term = serializers.CharField(source="reference.published_term")
    p_value = serializers.FloatField(allow_null=True)
    direction = serializers.ChoiceField(choices=["higher", "lower", ""])
    citation = serializers.CharField(source="reference.citation")


class SafetySummarySerializer(serializers.Serializer[Any]):
    filters = serializers.SerializerMethodField()
    review_status = serializers.CharField(source="filters.review")
    review_status_label = serializers.CharField(source="filters.review_label")
    counting_rule = serializers.CharField()
    period = PeriodSerializer()
    sessions = serializers.IntegerField()
    patients = serializers.IntegerField()
    events = serializers.IntegerField()
    events_per_100 = IntervalSerializer()
    sessions_with_event = serializers.IntegerField()
    sessions_with_event_rate = IntervalSerializer()
    patients_with_event = serializers.IntegerField()
    patients_with_event_rate = IntervalSerializer()
    serious_events = serializers.IntegerField()
    grade_distribution = serializers.SerializerMethodField()
    tables = serializers.SerializerMethodField()
    p_chart = PChartSerializer()
    term_p_chart = serializers.SerializerMethodField()
    funnel = FunnelSerializer()
    signals = serializers.SerializerMethodField()
    data_quality = DataQualitySerializer(source="*")
    methodology = serializers.CharField()
    reference_rates = serializers.SerializerMethodField()

    @extend_schema_field(serializers.DictField())
    def get_filters(self, summary: SafetySummary) -> dict[str, Any]:
        return summary.filters.as_dict()

    @extend_schema_field(serializers.DictField(child=serializers.IntegerField()))
    def get_grade_distribution(self, summary: SafetySummary) -> dict[str, Any]:
        return {str(grade): int(count) for grade, count in summary.grade_distribution.items()}

    @extend_schema_field(PChartSerializer(allow_null=True))
    def get_term_p_chart(self, summary: SafetySummary) -> dict[str, Any] | None:
        chart = self.context.get("term_p_chart")
        return PChartSerializer(chart).data if chart is not None else None

    @extend_schema_field(TablesSerializer)
    def get_tables(self, summary: SafetySummary) -> dict[str, Any]:
        return {name: table_records(table) for name, table in summary.tables.items()}

    @extend_schema_field(SignalSerializer(many=True))
    def get_signals(self, summary: SafetySummary) -> list[dict[str, Any]]:
        return [signal.as_dict() for signal in summary.signals]

    @extend_schema_field(ReferenceComparisonSerializer(many=True))
    def get_reference_rates(self, summary: SafetySummary) -> list[dict[str, Any]]:
        comparisons = self.context.get("reference_rates", [])
        return list(ReferenceComparisonSerializer(comparisons, many=True).data)


class SignalReviewOutputSerializer(serializers.Serializer[Any]):
    assessment = serializers.ChoiceField(choices=SignalAssessment.choices)
    assessment_label = serializers.CharField(source="get_assessment_display")
    reason = serializers.CharField()
    reviewed_by = serializers.CharField(source="reviewed_by.username")
    reviewed_at = serializers.DateTimeField()
    through_month = serializers.CharField()
    site_ids = serializers.ListField(child=serializers.IntegerField())
    evidence = serializers.CharField()
    version = serializers.IntegerField()


class SignalOutputSerializer(serializers.Serializer[Any]):
    key = serializers.CharField()
    kind = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # the stubs see Field.label
    findings = serializers.ListField(child=serializers.CharField())
    filters = serializers.DictField()
    query = serializers.CharField()
    state = serializers.ChoiceField(choices=["open", "reviewed"])
    review = SignalReviewOutputSerializer(allow_null=True)


class SignalReviewInputSerializer(serializers.Serializer[Any]):
    assessment = serializers.ChoiceField(choices=SignalAssessment.choices)
    reason = serializers.CharField(max_length=5000)


class BenefitRiskRowSerializer(serializers.Serializer[Any]):
    """One protocol (and site): counts, estimates and exact 95% bounds (proportions 0-1)."""

    drug = serializers.CharField()
    route = serializers.CharField()
    dose_band = serializers.CharField()
    site_id = serializers.IntegerField(required=False)
    site_code = serializers.CharField(required=False)
    patients = serializers.IntegerField()
    with_baseline = serializers.IntegerField()
    evaluable = serializers.IntegerField()
    responders = serializers.IntegerField()
    response = serializers.FloatField(allow_null=True)
    response_lower = serializers.FloatField(allow_null=True)
    response_upper = serializers.FloatField(allow_null=True)
    remitters = serializers.IntegerField()
    remission = serializers.FloatField(allow_null=True)
    remission_lower = serializers.FloatField(allow_null=True)
    remission_upper = serializers.FloatField(allow_null=True)
    sessions = serializers.IntegerField()
    sessions_with_event = serializers.IntegerField()
    sessions_with_event_pct = serializers.FloatField(allow_null=True)
    sessions_with_event_pct_lower = serializers.FloatField(allow_null=True)
    sessions_with_event_pct_upper = serializers.FloatField(allow_null=True)
    events = serializers.IntegerField()
    events_per_100 = serializers.FloatField(allow_null=True)
    events_per_100_lower = serializers.FloatField(allow_null=True)
    events_per_100_upper = serializers.FloatField(allow_null=True)
    sessions_grade3 = serializers.IntegerField()
    grade3_pct = serializers.FloatField(allow_null=True)
    stopped_early = serializers.IntegerField()
    stopped_early_pct = serializers.FloatField(allow_null=True)
    stopped_early_pct_lower = serializers.FloatField(allow_null=True)
    stopped_early_pct_upper = serializers.FloatField(allow_null=True)


class BenefitRiskSerializer(serializers.Serializer[Any]):
    rows = BenefitRiskRowSerializer(many=True)
    counting_rules = serializers.ListField(child=serializers.CharField())
    by_site = serializers.BooleanField()
