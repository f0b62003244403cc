"""PDFs never reach outside the document: user text is escaped, and even markup that reached
the renderer could fetch no URL and attach no file. A canary HTTP server counts requests."""

import subprocess
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.db import transaction
from django.urls import reverse

from audit.services import audited_save
from exports.pdf import safe_url_fetcher
from tests.exports.helpers import read_pdf_text


@pytest.fixture
def canary():
    """An HTTP server on 127.0.0.1 that records every request it receives."""
    requests: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            requests.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.end_headers()
            self.wfile.write(b"body { color: red }")

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], requests
    server.shutdown()
    server.server_close()


def hostile_markup(port: int) -> str:
    return (
        f'<img src="http://127.0.0.1:{port}/img"> '
        '<link rel="attachment" href="file:///etc/hostname"> '
        f"<style>@import url(http://127.0.0.1:{port}/import.css);</style>"
    )


def embedded_files(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "check.pdf"
    path.write_bytes(pdf)
    result = subprocess.run(
        ["pdfdetach", "-list", str(path)], capture_output=True, check=True, timeout=30
    )
    return result.stdout.decode()


def test_a_hostile_narrative_is_printed_as_text_and_fetches_nothing(
    client, director, nurse, dataset, canary, tmp_path
):
    port, requests = canary
    event = dataset.e2
    event.narrative = hostile_markup(port)  # as a hostile reporter would have typed it
    with transaction.atomic():
        audited_save(event, actor=nurse, reason="Test set-up")
    client.force_login(director)

    for url in (reverse("safety-summary-pdf"), reverse("event-case-report", args=[event.pk])):
        pdf = client.get(url).content
        text = " ".join(read_pdf_text(pdf, tmp_path).split())
        assert f'<img src="http://127.0.0.1:{port}/img">' in text
        assert '<link rel="attachment" href="file:///etc/hostname">' in text
        assert "@import url(" in text
        assert "0 embedded files" in embedded_files(pdf, tmp_path)
    assert requests == []


def test_the_url_fetcher_refuses_remote_and_file_urls_even_in_raw_markup(canary, tmp_path):
    from weasyprint import HTML

    port, requests = canary
    html = f"<html><body><p>Report</p>{hostile_markup(port)}</body></html>"

    pdf = HTML(string=html, base_url=None, url_fetcher=safe_url_fetcher()).write_pdf()

    assert requests == []
    assert "0 embedded files" in embedded_files(pdf, tmp_path)
