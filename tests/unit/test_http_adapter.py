"""The HTTP adapter records transport failures as values and owns headers and paths (transport injected)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from validator.adapters.http import HttpAdapter
from validator.model import Exchange, Request

ROUTES = {"capacity": ("POST", "/capacity"), "metrics": ("POST", "/metrics"), "health": ("GET", "/health")}


def adapter(handler: Any, **kwargs: Any) -> HttpAdapter:
    return HttpAdapter(
        "http://target.test",
        routes=ROUTES,
        state_hook=("PUT", "/_hook/{consumer_id}"),
        transport=httpx.MockTransport(handler),
        **kwargs,
    )


def send(ad: HttpAdapter, endpoint: str = "capacity", **kwargs: Any) -> Exchange:
    return ad.send(Request(endpoint=endpoint, method="", body=b"{}", **kwargs))


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (httpx.ReadTimeout("slow"), "timeout"),
        (httpx.ConnectError("refused"), "connect"),
        (httpx.RemoteProtocolError("peer closed"), "dropped"),
        (httpx.ReadError("reset"), "dropped"),
        (httpx.UnsupportedProtocol("gopher"), "protocol"),
    ],
)
def test_transport_failures_become_values(exc: Exception, kind: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise exc

    ex = send(adapter(handler))
    assert ex.response is None
    assert ex.error_kind == kind
    assert ex.error


def test_response_recorded_with_method_url_and_headers() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["content-type"] == "application/json"
        return httpx.Response(201, json={"ok": True}, headers={"X-Test": "1"})

    ex = send(adapter(handler))
    assert ex.method == "POST"
    assert ex.url == "http://target.test/capacity"
    assert ex.response.status == 201
    assert ex.response.header("x-test") == "1"


def test_oversized_response_is_truncated_not_buffered_whole() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"x" * 5000)

    ex = send(adapter(handler, max_response_bytes=1000))
    assert ex.response.truncated
    assert len(ex.response.body) == 1000


def test_token_sent_and_redacted_in_recorded_headers() -> None:
    seen: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("authorization"))
        return httpx.Response(200, json={})

    ad = adapter(handler, token="s3cret-token", headers={"X-Echo": "s3cret-token-in-header"})
    default, none, wrong = (send(ad, auth=a) for a in ("default", "none", "wrong"))
    assert seen == ["Bearer s3cret-token", None, "Bearer nexus-validate-wrong-token"]
    for ex in (default, none, wrong):
        assert "s3cret-token" not in repr(ex.sent_headers)
    assert "auth-token" in ad.capabilities


def test_method_override_and_state_hook_path() -> None:
    calls: list[tuple[str, str]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append((request.method, request.url.path))
        return httpx.Response(204)

    ad = adapter(handler)
    ad.send(Request(endpoint="capacity", method="DELETE", body=None))
    ad.set_consumer_state("c-1", 50, 1000)
    assert calls == [("DELETE", "/capacity"), ("PUT", "/_hook/c-1")]
    assert "state-hook" in ad.capabilities
    ad.mark_state_hook(False)
    assert "state-hook" not in ad.capabilities
