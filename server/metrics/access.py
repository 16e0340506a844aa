"""Who may scrape GET /metrics: anyone on this machine (a loopback peer whose request no
proxy forwarded), anyone else only with CNNPG_METRICS_TOKEN as a bearer token.

A request that carries forwarding headers came through a proxy, and the proxy's own
loopback address says nothing about the client: it needs the token too. (Behind a trusted
proxy, CNNPG_TRUSTED_PROXIES, the peer is already the real client.)
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Mapping

from server.errors import Forbidden, PlaygroundError, Unauthorized

FORWARDED = ("forwarded", "x-forwarded-for", "x-real-ip")


def is_loopback(host: str | None) -> bool:
    try:
        address = ipaddress.ip_address(host or "")
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


def scrape_refusal(host: str | None, headers: Mapping[str, str],
                   token: str) -> PlaygroundError | None:
    """None when this request may read the metrics, else the error to answer with."""
    forwarded = any(name in headers for name in FORWARDED)
    if is_loopback(host) and not forwarded:
        return None
    where = f"from {str(host)[:60]}" + (" through a proxy" if forwarded else "")
    if not token:
        return Forbidden(f"metrics are open to this machine only (loopback); this request "
                         f"came {where}. Set CNNPG_METRICS_TOKEN on the server and send it "
                         "as 'Authorization: Bearer <token>' to scrape from elsewhere",
                         ["header", "authorization"])
    scheme, _, sent = headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and hmac.compare_digest(sent.strip().encode(),
                                                          token.encode()):
        return None
    what = "no bearer token was sent" if scheme.lower() != "bearer" else (
        "the bearer token sent is not CNNPG_METRICS_TOKEN")
    return Unauthorized(f"{what}; a scrape {where} needs 'Authorization: Bearer <token>' "
                        "with the server's CNNPG_METRICS_TOKEN", ["header", "authorization"])
