"""How an export file is sent, by the web views and the API alike."""

from django.http import HttpResponse, StreamingHttpResponse

from exports.services import ExportFile


def file_response(export: ExportFile) -> HttpResponse | StreamingHttpResponse:
    """An export file as an attachment, streamed when it comes in chunks."""
    response: HttpResponse | StreamingHttpResponse
    if isinstance(export.content, bytes):
        response = HttpResponse(export.content, content_type=export.content_type)
    else:
        response = StreamingHttpResponse(export.content, content_type=export.content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    return response
