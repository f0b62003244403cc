"""Every read of the ledger, one module per concern; import them from here.

- `records`: which models are audited, who may read the ledger, whether a record is visible;
- `trail`: one record's versions, oldest first, with what each changed;
- `display`: stored values as an auditor reads them;
- `paging`: the logs' shared filters and keyset cursors;
- `logs`: the global audit log (every history table as one log);
- `access_log`: the access log;
- `verification`: the chain verifications run so far.

All of them are scoped by the ledger policy (`audit.policy`): a record at a site the reader
cannot see is a 404, and rows of such records never appear in a log.
"""

from audit.selectors.access_log import access_log_page
from audit.selectors.display import display_value, related_names, utc_text, zone_text
from audit.selectors.logs import LogEntry, audit_log_count, audit_log_entries, audit_log_page
from audit.selectors.paging import (
    PAGE_SIZE,
    InvalidCursor,
    LogFilters,
    decode_cursor,
    encode_cursor,
)
from audit.selectors.records import (
    ACTIONS,
    audited_model,
    audited_models,
    history_model_of,
    require_ledger_reader,
    require_record_visible,
    tracked_fields,
)
from audit.selectors.trail import (
    FieldChange,
    TrailVersion,
    record_trail,
    site_zone,
    version_as_of,
)
from audit.selectors.verification import last_verification_run, verification_run_list

__all__ = [
    "ACTIONS",
    "PAGE_SIZE",
    "FieldChange",
    "InvalidCursor",
    "LogEntry",
    "LogFilters",
    "TrailVersion",
    "access_log_page",
    "audit_log_count",
    "audit_log_entries",
    "audit_log_page",
    "audited_model",
    "audited_models",
    "decode_cursor",
    "display_value",
    "encode_cursor",
    "history_model_of",
    "last_verification_run",
    "related_names",
    "record_trail",
    "require_ledger_reader",
    "require_record_visible",
    "site_zone",
    "tracked_fields",
    "utc_text",
    "verification_run_list",
    "version_as_of",
    "zone_text",
]
