"""The HTTP adapter, on httpx. Tests and the in-process reference inject a transport."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any

import httpx

from validator.adapters.base import Adapter
from validator.adapters.deadline import DeadlineTransport, request_deadline
from validator.evidence import redact
from validator.model import Exchange, Request, Response

DEFAULT_TIMEOUT_S = 5.0
DEFAULT_MAX_RESPONSE = 1024 * 1024


class HttpAdapter(Adapter):
    """Sends requests to ``base_url`` + the configured path of each endpoint."""

    def __init__(
        self,
        base_url: str,
        *,
        routes: Mapping[str, tuple[str, str]],
        state_hook: tuple[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        token: str | None = None,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE,
        transport: httpx.BaseTransport | None = None,
        verify: bool = True,
        description: str = "",
        secrets: tuple[str, ...] = (),
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.routes = dict(routes)
        self.state_hook = state_hook
        self.token = token
        self.secrets = tuple(v for v in (token, *secrets) if v)
        self.max_response_bytes = max_response_bytes
        self.description = description or self.base_url
        self._extra_headers = dict(headers or {})
        self._hook_available = state_hook is not None
        self.timeout_s = timeout_s
        self._run_deadline: float | None = None
        limits = httpx.Limits(max_connections=32, max_keepalive_connections=16)
        self._client = httpx.Client(
            transport=transport
            or DeadlineTransport(verify=verify, limits=limits, tls=self.base_url.startswith("https:")),
            timeout=httpx.Timeout(timeout_s),
            follow_redirects=False,  # a redirect is an answer to judge, never followed (no loops)
        )

    @property
    def capabilities(self) -> frozenset[str]:
        """``auth-token`` when a token is configured; ``state-hook`` once the probe succeeded."""
        caps = set()
        if self.token:
            caps.add("auth-token")
        if self._hook_available:
            caps.add("state-hook")
        return frozenset(caps)

    def limit_to(self, deadline: float | None) -> None:
        """Never let a request run past this ``time.monotonic()`` instant."""
        self._run_deadline = deadline

    def mark_state_hook(self, available: bool) -> None:
        """Record the outcome of the state-hook probe."""
        self._hook_available = available and self.state_hook is not None

    def _headers(self, request: Request) -> dict[str, str]:
        headers = dict(self._extra_headers)
        headers.update(dict(request.headers))
        if request.body is not None and not any(k.lower() == "content-type" for k in headers):
            headers["Content-Type"] = "application/json"
        if request.auth == "default" and self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        elif request.auth == "wrong":
            headers["Authorization"] = "Bearer nexus-validate-wrong-token"
        return headers

    def _route(self, request: Request) -> tuple[str, str]:
        if request.endpoint == "state_hook":
            if self.state_hook is None:
                raise ValueError("this target has no state hook configured")
            method, path = self.state_hook
        else:
            method, path = self.routes[request.endpoint]
        for key, value in request.path_params.items():
            path = path.replace("{" + key + "}", value)
        return request.method or method, self.base_url + path

    def send(self, request: Request) -> Exchange:
        """Perform one request; transport failures are recorded, not raised."""
        method, url = self._route(request)
        headers = self._headers(request)
        sent = redact(tuple(headers.items()), self.secrets)
        start = time.perf_counter()
        total = self.timeout_s
        if self._run_deadline is not None:
            total = min(total, self._run_deadline - time.monotonic())
        if total > 0:
            response, wire_ms, failure = self._perform(method, url, request.body, headers, total)
        else:
            response, wire_ms, failure = None, None, ("deadline", "the run deadline passed before this request")
        elapsed = (time.perf_counter() - start) * 1000
        kind, text = failure if failure is not None else (None, None)
        return Exchange(
            request=request,
            method=method,
            url=url,
            sent_headers=sent,
            response=response,
            error_kind=kind,
            error=text,
            elapsed_ms=elapsed,
            wire_ms=wire_ms,
        )

    def _perform(
        self, method: str, url: str, body: bytes | None, headers: dict[str, str], total: float
    ) -> tuple[Response | None, float | None, tuple[str, str] | None]:
        """(response, wire time in ms, failure): failure is (kind, description) for whatever went wrong."""
        marks: dict[str, float] = {}

        def trace(event: str, info: dict[str, Any]) -> None:
            # Request fully sent -> response headers in: the target's and the network's share of the latency.
            if event in ("http11.send_request_body.complete", "http11.receive_response_headers.complete"):
                marks[event] = time.perf_counter()

        try:
            with (
                request_deadline(total),
                self._client.stream(method, url, content=body, headers=headers, extensions={"trace": trace}) as resp,
            ):
                data, truncated = self._read(resp)
                response = Response(
                    status=resp.status_code, headers=tuple(resp.headers.multi_items()), body=data, truncated=truncated
                )
        except httpx.TimeoutException as exc:
            return None, None, ("timeout", f"no complete answer within {total:.3g} s ({type(exc).__name__})")
        except httpx.ConnectError as exc:
            return None, None, ("connect", f"connection failed: {exc}")
        except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
            return None, None, ("dropped", f"connection dropped: {exc or type(exc).__name__}")
        except Exception as exc:  # whatever a target sends must become a finding, never a crash
            return None, None, ("protocol", f"unreadable answer: {type(exc).__name__}: {exc}")
        sent, headed = (
            marks.get("http11.send_request_body.complete"),
            marks.get("http11.receive_response_headers.complete"),
        )
        wire = (headed - sent) * 1000 if sent is not None and headed is not None else None
        return response, wire, None

    def _read(self, resp: httpx.Response) -> tuple[bytes, bool]:
        chunks: list[bytes] = []
        size = 0
        for chunk in resp.iter_bytes():
            chunks.append(chunk)
            size += len(chunk)
            if size > self.max_response_bytes:
                return b"".join(chunks)[: self.max_response_bytes], True
        return b"".join(chunks), False

    def set_consumer_state(self, consumer_id: str, current_load: int, max_capacity: int) -> Exchange:
        """PUT the state to the hook path."""
        body = json.dumps({"current_load": current_load, "max_capacity": max_capacity}).encode()
        request = Request(endpoint="state_hook", method="", body=body, path_params={"consumer_id": consumer_id})
        return self.send(request)

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()
