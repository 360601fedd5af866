"""Where a saved search's webhook may POST, and the POST itself.

Any signed-in reader may give a webhook URL, and the server then POSTs to it. Unchecked, that lets
a reader make the server knock on its own loopback, the LAN or a cloud metadata address
(server-side request forgery). So a webhook goes to public addresses only:

- at save time, a URL whose host is an internal address written out (`127.0.0.1`, `[::1]`,
  `10.0.0.5`, `169.254.169.254`) or a local name (`localhost`) is refused with its reason;
- at POST time the host is resolved and every address it has must be public; the connection goes
  to the address that was checked (no second lookup that DNS rebinding could answer otherwise),
  and a redirect is recorded as the outcome, never followed.

An operator whose receiver is inside (a chat bridge on the LAN, a test on 127.0.0.1) allows its
hosts by name or address: `CABLEGRAM_WEBHOOK_ALLOW="127.0.0.1 hooks.lan"`.
"""

from __future__ import annotations

import http.client
import ipaddress
import os
import socket
import ssl
import threading
from collections.abc import Callable
from urllib.parse import urlsplit

__all__ = ["ALLOW_ENV", "TIMEOUT", "WebhookRefused", "check_url", "post", "start", "wait"]

#: Hosts (names or addresses, space- or comma-separated) a webhook may reach although internal.
ALLOW_ENV = "CABLEGRAM_WEBHOOK_ALLOW"
#: Seconds a webhook POST may take (connect and answer).
TIMEOUT = 3.0
#: Longest webhook URL kept.
MAX_URL = 2000

_LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")


class WebhookRefused(ValueError):
    """A webhook URL the server will not POST to; the message says why."""


def _allowed_hosts() -> frozenset[str]:
    raw = os.environ.get(ALLOW_ENV, "")
    return frozenset(h.strip().strip("[]").lower() for h in raw.replace(",", " ").split() if h.strip())


def _split(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of a well-formed http(s) URL, else WebhookRefused."""
    if len(url) > MAX_URL or any(c.isspace() for c in url) or not url.startswith(("http://", "https://")):
        raise WebhookRefused("a webhook is an http:// or https:// URL (2,000 characters at most)")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise WebhookRefused(f"a webhook is an http:// or https:// URL: {exc}") from None
    host = (parts.hostname or "").lower()
    if not host:
        raise WebhookRefused("a webhook URL names a host")
    return parts.scheme, host, port or (443 if parts.scheme == "https" else 80)


def _internal(address: str) -> bool:
    """Whether an address is anything but public unicast (loopback, private, link-local, CGNAT,
    multicast, reserved, unspecified), IPv4-mapped IPv6 judged by its IPv4."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def _refusal(host: str, address: str | None = None) -> WebhookRefused:
    what = host if address is None or address == host else f"{host} ({address})"
    return WebhookRefused(f"host {what} is an internal address: webhooks go to public addresses"
                          f" only (an operator allows a host with {ALLOW_ENV})")


def check_url(url: str | None) -> str | None:
    """The webhook URL to keep (None for none), or WebhookRefused: the checks that need no DNS."""
    url = (url or "").strip()
    if not url:
        return None
    _, host, _ = _split(url)
    if host in _allowed_hosts():
        return url
    if host in _LOCAL_NAMES or host.endswith(".localhost"):
        raise _refusal(host)
    try:
        internal = _internal(host)
    except ValueError:  # a name: resolved and checked when a POST goes out
        return url
    if internal:
        raise _refusal(host)
    return url


def _target(host: str, port: int) -> str:
    """The one address to connect to: every address `host` resolves to must be public."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise WebhookRefused(f"webhook host {host} does not resolve: {exc}") from None
    addresses = [str(info[4][0]) for info in infos]
    if not addresses:
        raise WebhookRefused(f"webhook host {host} does not resolve")
    if host not in _allowed_hosts():
        for address in addresses:
            if _internal(address):
                raise _refusal(host, address)
    return addresses[0]


class _PinnedHTTP(http.client.HTTPConnection):
    """HTTP to an address already checked; the Host header still names the URL's host."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    """HTTPS to an address already checked; the certificate is checked against the URL's host."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        self.tls = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=self.tls)
        self.address = address

    def connect(self) -> None:
        raw = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self.tls.wrap_socket(raw, server_hostname=self.host)


def post(url: str, body: bytes) -> str | None:
    """POST `body` as JSON; None when delivered (2xx), else why not (refused, unreachable, the
    status, a redirect not followed)."""
    try:
        scheme, host, port = _split(url)
        address = _target(host, port)
    except WebhookRefused as exc:
        return str(exc)[:200]
    path = urlsplit(url)._replace(scheme="", netloc="", fragment="").geturl() or "/"
    kind = _PinnedHTTPS if scheme == "https" else _PinnedHTTP
    conn = kind(host, port, address, TIMEOUT)
    try:
        conn.request("POST", path, body=body, headers={
            "Content-Type": "application/json", "User-Agent": "cablegram-alerts"})
        status = conn.getresponse().status
    except (OSError, http.client.HTTPException, ValueError) as exc:
        return (str(exc) or type(exc).__name__)[:200]
    finally:
        conn.close()
    if 200 <= status < 300:
        return None
    if 300 <= status < 400:
        return f"HTTP {status} (redirects are not followed)"
    return f"HTTP {status}"


_threads: list[threading.Thread] = []


def start(deliver: Callable[[], None]) -> None:
    """Run `deliver` (the POSTs and the recording of their outcomes) in a thread of its own. Not a
    daemon: a command that ingested waits for its webhooks (each at most TIMEOUT)."""
    thread = threading.Thread(target=deliver, name="cablegram-webhooks")
    _threads[:] = [t for t in _threads if t.is_alive()] + [thread]
    thread.start()


def wait(timeout: float = 30.0) -> None:
    """Wait for webhook POSTs in flight (tests, and commands that want the outcome recorded)."""
    for t in list(_threads):
        t.join(timeout)
