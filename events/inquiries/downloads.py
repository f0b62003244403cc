"""How an attachment leaves the application: always as a download, never shown inline.

`Content-Disposition: attachment` with the checked name, the stored type (one of PDF, PNG
and JPEG, recognised from the bytes), `nosniff`, and a policy that forbids the browser to run
anything should it open the file itself. Every download is in the access log.
"""

from django.http import FileResponse, HttpRequest

from audit.services import Actor, access_log_export
from events.inquiries.models import Attachment, attachment_storage

# Nothing from a file may run or load anything, even if a browser were to open it.
DOWNLOAD_POLICY = "default-src 'none'; sandbox"


def attachment_download_response(
    attachment: Attachment, *, actor: Actor, request: HttpRequest
) -> FileResponse:
    """The file as a download, after writing the access-log entry."""
    handle = attachment_storage().open(str(attachment.file.name), "rb")
    access_log_export(
        actor=actor,
        request=request,
        record=attachment,
        extra={"kind": "attachment", "event_id": attachment.event_id, "sha256": attachment.sha256},
    )
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = DOWNLOAD_POLICY
    response["Cache-Control"] = "private, no-store"
    return response
