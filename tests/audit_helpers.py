"""`assert_audited`: the check every write test makes."""


def assert_audited(obj, *, actor, reason: str | None = None, history_type: str | None = None):
    """The latest history row of `obj` was written by `actor` (with `reason`), carries a
    request id, a source and a hash, and matches the record's current version."""
    row = obj.history.order_by("-history_id").first()
    assert row is not None, f"{type(obj).__name__} {obj.pk} has no history"
    assert row.history_user_id == actor.pk, (row.history_user_id, actor.pk)
    assert row.history_user_name == actor.get_username()
    if reason is not None:
        assert row.history_change_reason == reason, row.history_change_reason
    if history_type is not None:
        assert row.history_type == history_type
    assert row.request_id and row.source and len(row.hash) == 64
    if hasattr(obj, "version"):
        assert row.version == obj.version
    return row
