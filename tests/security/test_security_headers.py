"""Under production-like settings every page and API response carries the security headers,
cookies are Secure, HttpOnly and SameSite, and plain HTTP is redirected."""

import pytest
from django.test import override_settings
from django.urls import reverse

from config.middleware import DEFAULT_CONTENT_SECURITY_POLICY
from tests.factories import api_token

PRODUCTION_LIKE = {
    "DEBUG": False,
    "SECURE_SSL_REDIRECT": True,
    "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https"),
    "SECURE_HSTS_SECONDS": 63_072_000,
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
    "SECURE_HSTS_PRELOAD": True,
    "SESSION_COOKIE_SECURE": True,
    "CSRF_COOKIE_SECURE": True,
    "CONTENT_SECURITY_POLICY_OVERRIDES": {},
}

pytestmark = pytest.mark.usefixtures("production_like")


@pytest.fixture
def production_like():
    with override_settings(**PRODUCTION_LIKE):
        yield


def assert_security_headers(response) -> None:
    assert response["Strict-Transport-Security"] == ("max-age=63072000; includeSubDomains; preload")
    assert response["Content-Security-Policy"] == DEFAULT_CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]


def test_plain_http_is_redirected_to_https(client):
    response = client.get(reverse("login"))
    assert response.status_code == 301
    assert response["Location"].startswith("https://")


def test_a_page_carries_the_headers_and_secure_cookies(client, nurse, password):
    page = client.get(reverse("login"), secure=True)
    assert page.status_code == 200
    assert_security_headers(page)
    csrf = page.cookies["csrftoken"]
    assert csrf["secure"] and csrf["samesite"] == "Lax"

    login = client.post(reverse("login"), {"username": "alice", "password": password}, secure=True)
    assert login.status_code == 302
    session_cookie = login.cookies["sessionid"]
    assert session_cookie["secure"] and session_cookie["httponly"]
    assert session_cookie["samesite"] == "Lax"

    home = client.get(reverse("home"), secure=True)
    assert home.status_code == 200
    assert_security_headers(home)
    assert home["Cache-Control"] == "no-store"


def test_an_api_response_carries_the_headers_and_is_json_only(api_client, nurse):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(nurse)}")
    response = api_client.get("/api/v1/terms/", secure=True, HTTP_ACCEPT="text/html")
    assert response.status_code in (200, 406)
    assert_security_headers(response)
    assert "text/html" not in response["Content-Type"]


def test_the_production_settings_module_is_hardened(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 10 + "a-long-random-value-for-the-test-only-0123456789")
    monkeypatch.setenv("ALLOWED_HOSTS", "ledger.example")
    import importlib

    production = importlib.import_module("config.settings.production")
    production = importlib.reload(production)
    assert production.DEBUG is False
    assert production.REQUIRE_2FA is True
    assert production.SESSION_COOKIE_SECURE and production.CSRF_COOKIE_SECURE
    assert production.SECURE_SSL_REDIRECT and production.SECURE_HSTS_PRELOAD
    assert production.REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"] == [
        "rest_framework.renderers.JSONRenderer"
    ]
    assert production.DATA_UPLOAD_MAX_MEMORY_SIZE <= 5 * 1024 * 1024
    assert production.CONTENT_SECURITY_POLICY_OVERRIDES == {}
    # The warm-up renders a PDF at start-up: WeasyPrint's step-by-step INFO lines stay out.
    for name in ("weasyprint", "weasyprint.progress", "fontTools"):
        assert production.LOGGING["loggers"][name]["level"] == "WARNING"


def test_production_settings_refuse_a_short_secret_key(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    monkeypatch.setenv("SECRET_KEY", "short")
    monkeypatch.setenv("ALLOWED_HOSTS", "ledger.example")
    import importlib

    with pytest.raises(ImproperlyConfigured):
        importlib.reload(importlib.import_module("config.settings.production"))
