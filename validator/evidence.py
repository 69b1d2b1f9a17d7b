"""Turn an exchange into evidence a person can read, with credentials redacted."""

from __future__ import annotations

from validator.model import Evidence, Exchange

EXCERPT_BYTES = 2048
SENSITIVE_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"})


def excerpt(data: bytes | None, limit: int = EXCERPT_BYTES) -> str:
    """Decode a body for display: invalid UTF-8 is shown escaped, long bodies are cut with a note."""
    if not data:
        return ""
    cut = data[:limit]
    text = cut.decode("utf-8", errors="backslashreplace")
    if len(data) > limit:
        text += f"… [{len(data) - limit} more bytes]"
    return text


def redact(headers: tuple[tuple[str, str], ...], secrets: tuple[str, ...] = ()) -> tuple[tuple[str, str], ...]:
    """Hide credential-bearing header values and any configured secret value."""
    out = []
    for name, value in headers:
        shown = value
        if name.lower() in SENSITIVE_HEADERS:
            shown = "[redacted]"
        else:
            for secret in secrets:
                if secret:
                    shown = shown.replace(secret, "[redacted]")
        out.append((name, shown))
    return tuple(out)


def evidence_of(exchange: Exchange) -> Evidence:
    """Evidence for one exchange (request line, headers, bodies, status, error, timing)."""
    resp = exchange.response
    return Evidence(
        method=exchange.method,
        url=exchange.url,
        request_headers=redact(exchange.sent_headers),
        request_body=excerpt(exchange.request.body),
        status=resp.status if resp is not None else None,
        response_headers=redact(resp.headers) if resp is not None else (),
        response_body=excerpt(resp.body) if resp is not None else "",
        transport_error=exchange.error,
        elapsed_ms=round(exchange.elapsed_ms, 2),
    )
