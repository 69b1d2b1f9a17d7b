"""The HTTP adapter, on httpx. Tests and the in-process reference inject a transport."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from functools import partial

import httpx

from validator.adapters.base import Adapter
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
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.routes = dict(routes)
        self.state_hook = state_hook
        self.token = token
        self.max_response_bytes = max_response_bytes
        self.description = description or self.base_url
        self._extra_headers = dict(headers or {})
        self._hook_available = state_hook is not None
        self._client = httpx.Client(
            transport=transport,
            timeout=httpx.Timeout(timeout_s),
            follow_redirects=False,
            verify=verify,
            limits=httpx.Limits(max_connections=32, max_keepalive_connections=16),
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

    def send(self, request: Request) -> Exchange:
        """Perform one request; transport failures are recorded, not raised."""
        if request.endpoint == "state_hook":
            if self.state_hook is None:
                raise ValueError("this target has no state hook configured")
            method, path = self.state_hook
        else:
            method, path = self.routes[request.endpoint]
        for key, value in request.path_params.items():
            path = path.replace("{" + key + "}", value)
        url = self.base_url + path
        method = request.method or method
        headers = self._headers(request)
        sent = tuple(redact(tuple(headers.items()), (self.token or "",)))
        start = time.perf_counter()
        failed = partial(self._failed, request, method, url, sent, start)
        try:
            with self._client.stream(method, url, content=request.body, headers=headers) as resp:
                body, truncated = self._read(resp)
                response = Response(
                    status=resp.status_code, headers=tuple(resp.headers.multi_items()), body=body, truncated=truncated
                )
        except httpx.TimeoutException as exc:
            return failed("timeout", f"timed out ({type(exc).__name__})")
        except httpx.ConnectError as exc:
            return failed("connect", f"connection failed: {exc}")
        except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
            return failed("dropped", f"connection dropped: {exc or type(exc).__name__}")
        except httpx.HTTPError as exc:
            return failed("protocol", f"{type(exc).__name__}: {exc}")
        elapsed = (time.perf_counter() - start) * 1000
        return Exchange(
            request=request, method=method, url=url, sent_headers=sent, response=response, elapsed_ms=elapsed
        )

    def _read(self, resp: httpx.Response) -> tuple[bytes, bool]:
        chunks: list[bytes] = []
        size = 0
        for chunk in resp.iter_bytes():
            chunks.append(chunk)
            size += len(chunk)
            if size > self.max_response_bytes:
                return b"".join(chunks)[: self.max_response_bytes], True
        return b"".join(chunks), False

    @staticmethod
    def _failed(
        request: Request, method: str, url: str, sent: tuple[tuple[str, str], ...], start: float, kind: str, text: str
    ) -> Exchange:
        elapsed = (time.perf_counter() - start) * 1000
        return Exchange(
            request=request,
            method=method,
            url=url,
            sent_headers=sent,
            response=None,
            error_kind=kind,
            error=text,
            elapsed_ms=elapsed,
        )

    def set_consumer_state(self, consumer_id: str, current_load: int, max_capacity: int) -> Exchange:
        """PUT the state to the hook path."""
        body = json.dumps({"current_load": current_load, "max_capacity": max_capacity}).encode()
        request = Request(endpoint="state_hook", method="", body=body, path_params={"consumer_id": consumer_id})
        return self.send(request)

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()
