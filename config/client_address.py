"""The client's address behind a reverse proxy.

The lockout (django-axes) and the access log read `REMOTE_ADDR`. Behind a proxy that is the
proxy's address, so five bad guesses from anyone would lock a username out for everyone.
`ClientAddressMiddleware` runs first and puts the client's address there, taken from
`X-Forwarded-For` only when the peer that sent the request is a trusted proxy:

- `TRUSTED_PROXIES` (addresses or networks): the peer must be one of them; the client is the
  right-most `X-Forwarded-For` entry that is not itself a trusted proxy (so a client cannot
  push a forged address past the proxies by prepending it).
- `TRUSTED_PROXY_COUNT` (N): the last N hops are proxies and the client is the entry N from
  the right. Use it only when nothing but the proxies can reach the application.

An untrusted peer's `X-Forwarded-For` is ignored. A library such as django-ipware checks the
forwarded list against trusted prefixes but not the connecting peer, which a direct client
can forge; this check is short enough to own.
"""

from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network, ip_address, ip_network

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse

PEER_ADDRESS_KEY = "SAFETY_LEDGER_PEER_ADDR"


def _networks(entries: list[str]) -> tuple[IPv4Network | IPv6Network, ...]:
    try:
        return tuple(ip_network(entry.strip(), strict=False) for entry in entries)
    except ValueError as error:
        raise ImproperlyConfigured(f"TRUSTED_PROXIES: {error}") from None


def _address(value: str) -> str | None:
    """A canonical address, or None for anything that is not one (ports, names, junk)."""
    try:
        return str(ip_address(value.strip()))
    except ValueError:
        return None


class ClientAddressResolver:
    def __init__(self, trusted_proxies: list[str], trusted_proxy_count: int):
        if trusted_proxies and trusted_proxy_count:
            raise ImproperlyConfigured("Set TRUSTED_PROXIES or TRUSTED_PROXY_COUNT, not both.")
        if trusted_proxy_count < 0:
            raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must be 0 or more.")
        self.networks = _networks(trusted_proxies)
        self.count = trusted_proxy_count

    def is_trusted(self, address: str | None) -> bool:
        if address is None:
            return False
        parsed = ip_address(address)
        return any(parsed in network for network in self.networks)

    def client(self, peer: str, forwarded_for: str) -> str:
        forwarded = [_address(hop) for hop in forwarded_for.split(",") if hop.strip()]
        if self.count:
            hops = [*forwarded, peer]
            if len(hops) <= self.count:
                return peer
            return hops[-(self.count + 1)] or peer
        if not self.is_trusted(_address(peer)):
            return peer
        for hop in reversed(forwarded):
            if hop is None:
                return peer  # a malformed entry: trust nothing to its left
            if not self.is_trusted(hop):
                return hop
        return forwarded[0] if forwarded and forwarded[0] else peer


class ClientAddressMiddleware:
    """Replace `REMOTE_ADDR` with the client's address (the peer's is kept under
    `SAFETY_LEDGER_PEER_ADDR`), before anything reads it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        resolver = _resolver(tuple(settings.TRUSTED_PROXIES), settings.TRUSTED_PROXY_COUNT)
        peer = request.META.get("REMOTE_ADDR", "")
        request.META[PEER_ADDRESS_KEY] = peer
        request.META["REMOTE_ADDR"] = resolver.client(
            peer, request.META.get("HTTP_X_FORWARDED_FOR", "")
        )
        return self.get_response(request)


@lru_cache(maxsize=4)
def _resolver(trusted_proxies: tuple[str, ...], trusted_proxy_count: int):
    return ClientAddressResolver(list(trusted_proxies), trusted_proxy_count)
