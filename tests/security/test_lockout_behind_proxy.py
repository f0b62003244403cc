"""Behind a reverse proxy the lockout counts the client the proxy reports, and an untrusted
peer cannot choose the address it is counted under by sending X-Forwarded-For."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from audit.models import AccessAction, AccessLog
from config.client_address import ClientAddressResolver

PROXY = "10.9.0.2"


def _login(client, password, *, peer, forwarded_for=None, username="alice"):
    extra = {"REMOTE_ADDR": peer}
    if forwarded_for is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


def _lockout_addresses() -> set[str]:
    lockouts = AccessLog.objects.filter(action=AccessAction.LOCKOUT)
    return set(lockouts.values_list("ip_address", flat=True))


def test_forged_forwarded_for_from_an_untrusted_peer_locks_out_only_that_peer(
    client, nurse, password, settings
):
    settings.TRUSTED_PROXIES = [PROXY]
    for _ in range(5):
        _login(client, "wrong password", peer="203.0.113.7", forwarded_for="198.51.100.20")
    # The forged address is not locked: the nurse at that address logs in.
    assert _login(client, password, peer="198.51.100.20").status_code == 302
    client.logout()
    # The guessing peer itself is, whatever it forwards next.
    assert (
        _login(client, password, peer="203.0.113.7", forwarded_for="192.0.2.1").status_code == 429
    )
    assert _lockout_addresses() == {"203.0.113.7"}


def test_behind_a_trusted_proxy_the_reported_client_is_locked_out_not_the_proxy(
    client, nurse, password, settings
):
    settings.TRUSTED_PROXIES = ["10.9.0.0/24"]
    for _ in range(5):
        _login(client, "wrong password", peer=PROXY, forwarded_for="203.0.113.7")
    # Another client through the same proxy is not locked out...
    assert _login(client, password, peer=PROXY, forwarded_for="198.51.100.20").status_code == 302
    client.logout()
    # ...the guessing client is, even with the right password.
    assert _login(client, password, peer=PROXY, forwarded_for="203.0.113.7").status_code == 429
    assert _lockout_addresses() == {"203.0.113.7"}
    failed = AccessLog.objects.filter(action=AccessAction.LOGIN_FAILED)
    assert set(failed.values_list("ip_address", flat=True)) == {"203.0.113.7"}


def test_a_client_cannot_prepend_a_forged_address_past_the_proxy(client, nurse, password, settings):
    # nginx appends the real client to whatever the client sent: "forged, real".
    settings.TRUSTED_PROXIES = [PROXY]
    for _ in range(5):
        _login(client, "wrong password", peer=PROXY, forwarded_for="198.51.100.20, 203.0.113.7")
    assert _login(client, password, peer=PROXY, forwarded_for="198.51.100.20").status_code == 302


def test_with_a_proxy_count_the_entry_that_many_hops_back_is_the_client(
    client, nurse, password, settings
):
    settings.TRUSTED_PROXY_COUNT = 1
    for _ in range(5):
        _login(client, "wrong password", peer=PROXY, forwarded_for="198.51.100.20, 203.0.113.7")
    assert _login(client, password, peer=PROXY, forwarded_for="203.0.113.7").status_code == 429
    assert _login(client, password, peer=PROXY, forwarded_for="198.51.100.20").status_code == 302


def test_without_trusted_proxies_forwarded_for_is_ignored(client, nurse, password):
    for forged in ("198.51.100.1", "198.51.100.2", "198.51.100.3", "198.51.100.4", "x"):
        _login(client, "wrong password", peer="203.0.113.7", forwarded_for=forged)
    assert _login(client, password, peer="203.0.113.7").status_code == 429


@pytest.mark.parametrize(
    ("proxies", "count", "peer", "forwarded", "client"),
    [
        ([PROXY], 0, PROXY, "", PROXY),
        ([PROXY], 0, PROXY, "not-an-address", PROXY),
        ([PROXY], 0, PROXY, "203.0.113.7, 10.9.0.2", "203.0.113.7"),
        (["10.9.0.0/24", "2001:db8::/32"], 0, "2001:db8::1", "203.0.113.7", "203.0.113.7"),
        ([], 2, PROXY, "203.0.113.7, 10.9.0.1", "203.0.113.7"),
        ([], 2, PROXY, "10.9.0.1", PROXY),
    ],
)
def test_resolution(proxies, count, peer, forwarded, client):
    assert ClientAddressResolver(proxies, count).client(peer, forwarded) == client


def test_settings_mistakes_stop_the_process():
    with pytest.raises(ImproperlyConfigured, match="TRUSTED_PROXIES"):
        ClientAddressResolver(["10.0.0.0/33"], 0)
    with pytest.raises(ImproperlyConfigured, match="not both"):
        ClientAddressResolver([PROXY], 1)
