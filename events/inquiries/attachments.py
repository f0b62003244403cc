"""Writes of attachments: upload (checked by `events.inquiries.files`) and void.

The stored file gets a random name under the event's site; the name the person gave is kept
as a field. The file is written to storage before the row; when the row cannot be saved the
file is removed again, so storage holds no file the ledger does not know.
"""

import hashlib
import uuid
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from audit.services import Actor, audited_save
from events.access import DIRECTORS, WRITERS, require_role, roles_at
from events.choices import EventStatus
from events.inquiries.files import check_file, max_bytes
from events.inquiries.models import Attachment, attachment_storage
from events.models import AdverseEvent
from events.services.common import lock_current, require_reason


@dataclass(frozen=True)
class Upload:
    """A file as it arrived: its name, what the client said it is, and a reader."""

    name: str
    declared_type: str
    content: bytes

    @classmethod
    def from_uploaded_file(cls, uploaded: "UploadedFile[bytes]", name: str = "") -> "Upload":
        """Read at most one byte past the limit: an oversized file is refused without
        reading it all into memory."""
        uploaded.seek(0)
        content = uploaded.read(max_bytes() + 1)
        return cls(
            name=name or uploaded.name or "",
            declared_type=getattr(uploaded, "content_type", "") or "",
            content=content,
        )


def attachment_upload(*, actor: Actor, event: AdverseEvent, upload: Upload) -> Attachment:
    """Attach a PDF, PNG or JPEG to an event (staff and directors of its site)."""
    require_role(actor, event.site_id, *WRITERS)
    if event.status == EventStatus.VOIDED:
        raise ValidationError({"event": "This event was voided: it takes no attachments."})
    checked = check_file(upload.content, name=upload.name, declared_type=upload.declared_type)
    storage = attachment_storage()
    stored_name = storage.save(
        f"{event.site_id}/{uuid.uuid4().hex}.{checked.stored_extension}",
        ContentFile(checked.content),
    )
    attachment = Attachment(
        event=event,
        site_id=event.site_id,
        uploaded_by=actor,
        file=stored_name,
        name=checked.name,
        content_type=checked.content_type,
        size_bytes=len(checked.content),
        sha256=hashlib.sha256(checked.content).hexdigest(),
    )
    try:
        with transaction.atomic():
            attachment.full_clean(exclude=["file"], validate_constraints=False)
            audited_save(attachment, actor=actor, reason="Attachment added")
    except Exception:
        storage.delete(stored_name)
        raise
    return attachment


def attachment_void(
    *, actor: Actor, attachment: Attachment, reason: str, expected_version: int | None
) -> Attachment:
    """Its uploader, or a director of the site, voids an attachment with a reason. The file
    and its hash stay: the ledger keeps what was once part of the record."""
    require_role(actor, attachment.site_id, *WRITERS)
    reason = require_reason(reason, "void an attachment")
    is_director = bool(roles_at(actor, attachment.site_id) & set(DIRECTORS))
    if attachment.uploaded_by_id != actor.pk and not is_director:
        raise ValidationError(
            {"attachment": "Only its uploader or a director can void an attachment."}
        )
    with transaction.atomic():
        attachment = lock_current(attachment, expected_version)
        if attachment.is_voided:
            raise ValidationError({"status": "This attachment is already voided."})
        attachment.is_voided = True
        attachment.void_reason = reason
        attachment.version += 1
        audited_save(attachment, actor=actor, reason=reason)
        return attachment


def attachment_read(attachment: Attachment) -> bytes:
    """The stored bytes of an attachment."""
    with attachment_storage().open(str(attachment.file.name), "rb") as handle:
        return handle.read()
