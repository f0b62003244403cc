"""Fixtures of the notification tests: a real SMTP server on 127.0.0.1 that the application
delivers to (pytest-django's in-memory mail backend is replaced by SMTP for these tests)."""

import pytest

from tests.notifications.mailbox import SmtpServer, free_port


@pytest.fixture
def smtp(settings):
    server = SmtpServer().start()
    for name, value in server.settings().items():
        setattr(settings, name, value)
    settings.PUBLIC_BASE_URL = "https://ledger.clinic.example"
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def smtp_down(settings):
    """SMTP settings that point at a port where nothing listens (the server is down)."""
    port = free_port()
    server = SmtpServer(port)
    for name, value in server.settings().items():
        setattr(settings, name, value)
    return server
