"""What an electronic signature is bound to: the hash of one event version's clinical content.

Shared by the service that signs (`events.services.adverse_events.adverse_event_sign_off`),
the selector that checks a signature (`events.selectors.signature_is_valid`) and the demo
data, so signing and checking can never hash differently.
"""

import hashlib
from typing import Any

from audit.canonical import canonical_row
from events.models import AdverseEvent


def signed_content_hash(values: dict[str, Any]) -> str:
    """Hash of the clinical content of one event version (a dict of attribute values)."""
    content = {name: values.get(name) for name in AdverseEvent.SIGNED_FIELDS}
    return hashlib.sha256(canonical_row(AdverseEvent, content)).hexdigest()
