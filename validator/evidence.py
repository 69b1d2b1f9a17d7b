"""Turn an exchange into evidence a person can read, with credentials redacted."""

from __future__ import annotations

from dataclasses import replace

from validator.model import Evidence, Exchange, Finding

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
        response_truncated=resp.truncated if resp is not None else False,
        transport_error=exchange.error,
        elapsed_ms=round(exchange.elapsed_ms, 2),
    )


def scrub(text: str, secrets: tuple[str, ...]) -> str:
    """Replace every configured secret value in a text."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[redacted]")
    return text


def scrub_finding(finding: Finding, secrets: tuple[str, ...]) -> Finding:
    """A finding with every configured secret removed from its text and evidence (a target may echo them)."""
    if not any(secrets):
        return finding
    evidence = finding.evidence
    if evidence is not None:
        evidence = replace(
            evidence,
            url=scrub(evidence.url, secrets),
            request_headers=redact(evidence.request_headers, secrets),
            request_body=scrub(evidence.request_body, secrets),
            response_headers=redact(evidence.response_headers, secrets),
            response_body=scrub(evidence.response_body, secrets),
            transport_error=scrub(evidence.transport_error, secrets) if evidence.transport_error else None,
        )
    return replace(
        finding,
        message=scrub(finding.message, secrets),
        expected=scrub(finding.expected, secrets),
        actual=scrub(finding.actual, secrets),
        evidence=evidence,
    )
