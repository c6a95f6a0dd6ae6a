"""Webhook signatures as Stripe specifies them: `t=<unix time>,v1=<hex>[,v1=...]`, each v1 the HMAC-SHA256 of
`<t>.<raw body>` with the endpoint's secret. The raw bytes are signed and checked, never a re-serialised body."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence

TOLERANCE_SECONDS = 300


class InvalidSignature(Exception):
    """No signature, a malformed one, a stale timestamp, or no v1 that matches."""


def signature(secret: str, payload: bytes, timestamp: int) -> str:
    signed = f"{timestamp}.".encode() + payload
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def signature_header(secret: str, payload: bytes, timestamp: int) -> str:
    return f"t={timestamp},v1={signature(secret, payload, timestamp)}"


def verify(
    header: str | None,
    payload: bytes,
    secrets: Sequence[str],
    now: float,
    tolerance: int = TOLERANCE_SECONDS,
) -> None:
    """Raise InvalidSignature unless some v1 is the signature of `payload` with one of `secrets` (a rolled secret
    keeps working for a while), made no more than `tolerance` seconds ago."""
    if not header:
        raise InvalidSignature("no signature header")
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and timestamp is None:
            try:
                timestamp = int(value)
            except ValueError:
                raise InvalidSignature("the timestamp is not a number") from None
        elif key == "v1":
            candidates.append(value)
    if timestamp is None or not candidates:
        raise InvalidSignature("no timestamp or no v1 signature")
    if timestamp < now - tolerance:
        raise InvalidSignature("the timestamp is outside the tolerance")
    expected = [signature(secret, payload, timestamp) for secret in secrets]
    # compare_digest on every pair: how long the check takes tells nothing about how close a forgery came.
    if not any(hmac.compare_digest(mine.encode(), theirs.encode()) for mine in expected for theirs in candidates):
        raise InvalidSignature("no signature matches")
