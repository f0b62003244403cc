"""Output shapes of the audit API (read-only: nothing here ever saves)."""

from typing import Any

from rest_framework import serializers


class FieldChangeSerializer(serializers.Serializer[Any]):
    field = serializers.CharField(source="name")
    label = serializers.CharField()  # type: ignore[assignment]  # a field named like Field.label
    old = serializers.CharField()
    new = serializers.CharField()


class TrailVersionSerializer(serializers.Serializer[Any]):
    version = serializers.IntegerField(source="number")
    history_id = serializers.IntegerField()
    action = serializers.CharField(source="action_label")
    user_id = serializers.IntegerField(allow_null=True)
    user = serializers.CharField(source="user_name")
    at = serializers.DateTimeField()
    at_site = serializers.CharField(
        source="at_local_iso", allow_null=True, help_text="Site local time, ISO 8601 with offset."
    )
    reason = serializers.CharField()
    request_id = serializers.CharField()
    source = serializers.CharField()  # type: ignore[assignment]  # named like Field.source
    hash = serializers.CharField()
    changes = FieldChangeSerializer(many=True)


class RecordHistorySerializer(serializers.Serializer[Any]):
    record = serializers.CharField()
    record_id = serializers.IntegerField()
    site_timezone = serializers.CharField(allow_null=True)
    versions = TrailVersionSerializer(many=True)


class LogEntrySerializer(serializers.Serializer[Any]):
    at = serializers.DateTimeField()
    record = serializers.CharField(source="label")
    record_id = serializers.CharField(source="object_id")
    history_id = serializers.IntegerField()
    action = serializers.CharField(source="action_label")
    user = serializers.CharField(source="user_name")
    reason = serializers.CharField()
    source = serializers.CharField()  # type: ignore[assignment]  # named like Field.source
    request_id = serializers.CharField()
    site_id = serializers.IntegerField(allow_null=True)


class AccessLogEntrySerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    occurred_at = serializers.DateTimeField()
    user = serializers.CharField(source="username")
    action = serializers.CharField()
    object_type = serializers.CharField()
    object_id = serializers.CharField()
    site_id = serializers.IntegerField(allow_null=True)
    row_count = serializers.IntegerField(allow_null=True)
    detail = serializers.JSONField()
    source = serializers.CharField()  # type: ignore[assignment]  # named like Field.source
    request_id = serializers.CharField()


def cursor_page_serializer(
    name: str, entry_serializer: type[serializers.Serializer[Any]]
) -> type[serializers.Serializer[Any]]:
    """`{"results": [...], "next_cursor": "...", "next": "url"}` for one kind of entry."""
    return type(
        name,
        (serializers.Serializer,),
        {
            "results": entry_serializer(many=True),
            "next_cursor": serializers.CharField(allow_blank=True),
            "next": serializers.CharField(allow_null=True),
        },
    )


LogPageSerializer = cursor_page_serializer("AuditLogPage", LogEntrySerializer)
AccessLogPageSerializer = cursor_page_serializer("AccessLogPage", AccessLogEntrySerializer)


class ChainLinkSerializer(serializers.Serializer[Any]):
    site = serializers.IntegerField(allow_null=True, help_text="Empty for the global chain.")
    head_pk = serializers.IntegerField(allow_null=True)
    head = serializers.CharField()


class ChainTableSerializer(serializers.Serializer[Any]):
    table = serializers.CharField()
    rows = serializers.IntegerField()
    head_pk = serializers.IntegerField(allow_null=True)
    head = serializers.CharField()
    status = serializers.CharField()
    first_break = serializers.IntegerField(allow_null=True)
    problem = serializers.CharField(allow_blank=True)
    chains = ChainLinkSerializer(many=True, required=False, help_text="Each chain's head.")


class LiveRowSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    problem = serializers.CharField()


class LiveTableSerializer(serializers.Serializer[Any]):
    """An audited live table compared with the latest history version of each row."""

    table = serializers.CharField()
    rows = serializers.IntegerField()
    status = serializers.ChoiceField(choices=["intact", "mismatch"])
    problem_count = serializers.IntegerField()
    rows_named = LiveRowSerializer(many=True, help_text="The first rows that do not match.")


class VerificationRunSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    started_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField()
    username = serializers.CharField()
    source = serializers.CharField()  # type: ignore[assignment]  # named like Field.source
    is_intact = serializers.BooleanField()
    checked_recorded_heads = serializers.BooleanField()
    tables = ChainTableSerializer(many=True, source="chain_tables")
    live_tables = LiveTableSerializer(many=True)


class ChainHeadSerializer(serializers.Serializer[Any]):
    chain = serializers.CharField(help_text="The table, with `@site<id>` for a site's chain.")
    table = serializers.CharField()
    site = serializers.IntegerField(allow_null=True, help_text="Empty for the global chain.")
    last_pk = serializers.IntegerField(allow_null=True)
    hash = serializers.CharField()


class VerificationStatusSerializer(serializers.Serializer[Any]):
    last_run = VerificationRunSerializer(allow_null=True)
    heads = ChainHeadSerializer(many=True)
