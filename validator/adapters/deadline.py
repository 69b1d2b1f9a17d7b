"""A whole-request deadline for httpx.

httpx's timeouts bound each socket operation, so a target that drips one byte
every few seconds never trips them. This network backend bounds every read,
write and connect by the time left until a per-thread deadline set around each
request with :func:`request_deadline`; when it has passed, the read fails with a
timeout and the adapter records the exchange as timed out.
"""

from __future__ import annotations

import ssl
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import httpcore
import httpx

_local = threading.local()


@contextmanager
def request_deadline(seconds: float | None) -> Iterator[None]:
    """Bound everything this thread does on the network inside the block to ``seconds`` in total."""
    previous = getattr(_local, "deadline", None)
    _local.deadline = None if seconds is None else time.monotonic() + seconds
    try:
        yield
    finally:
        _local.deadline = previous


def _bounded(timeout: float | None, error: type[Exception]) -> float | None:
    deadline: float | None = getattr(_local, "deadline", None)
    if deadline is None:
        return timeout
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise error("the whole-request deadline passed")
    return remaining if timeout is None else min(timeout, remaining)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _bounded(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _bounded(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        inner = self._inner.start_tls(ssl_context, server_hostname, _bounded(timeout, httpcore.ConnectTimeout))
        return _DeadlineStream(inner)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class DeadlineBackend(httpcore.SyncBackend):
    """The standard synchronous backend, with every stream bounded by the current deadline."""

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        bounded = _bounded(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(super().connect_tcp(host, port, bounded, local_address, socket_options))


class DeadlineTransport(httpx.HTTPTransport):
    """httpx's HTTP transport on a :class:`DeadlineBackend` (HTTP/1.1, no proxy)."""

    def __init__(self, *, verify: bool, limits: httpx.Limits, tls: bool = True) -> None:
        # verify=False keeps the base class from loading a CA bundle we would throw away.
        super().__init__(verify=False, limits=limits)
        # The pool is rebuilt on our backend; handle_request() only uses it through _pool. Loading the CA
        # bundle costs ~20 ms, so plain-HTTP targets skip it.
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(verify=verify) if tls else None,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=DeadlineBackend(),
        )
