"""Adapters own the transport to a target. :func:`build_adapter` turns a target spec into one."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from validator.adapters.base import Adapter
from validator.errors import TargetError
from validator.protocol import Protocol

__all__ = ["Adapter", "AdapterOptions", "build_adapter"]


@dataclass(frozen=True, kw_only=True)
class AdapterOptions:
    """Everything that shapes how a target is reached."""

    paths: Mapping[str, str] = field(default_factory=dict)
    state_hook_path: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    token: str | None = None
    timeout_s: float = 5.0
    verify_tls: bool = True
    max_response_bytes: int = 1024 * 1024
    secrets: tuple[str, ...] = ()


def build_adapter(target: str, protocol: Protocol, options: AdapterOptions) -> Adapter:
    """``builtin:reference``, ``builtin:mutant/NAME`` or an ``http(s)://`` base URL."""
    from validator.adapters.http import HttpAdapter

    routes = {name: (ep.method, options.paths.get(name, ep.path)) for name, ep in protocol.endpoints.items()}
    hook = None
    if protocol.state_hook is not None:
        hook = (protocol.state_hook.method, options.state_hook_path or protocol.state_hook.path)
    common = {
        "routes": routes,
        "state_hook": hook,
        "headers": options.headers,
        "token": options.token,
        "timeout_s": options.timeout_s,
        "max_response_bytes": options.max_response_bytes,
        "secrets": options.secrets,
    }
    if target.startswith("builtin:"):
        from validator.adapters.builtin import IN_PROCESS_BASE, controller_for, controller_transport

        controller = controller_for(target, options.token)
        return HttpAdapter(IN_PROCESS_BASE, transport=controller_transport(controller), description=target, **common)  # type: ignore[arg-type]
    if target.startswith(("http://", "https://")):
        return HttpAdapter(target, verify=options.verify_tls, **common)  # type: ignore[arg-type]
    raise TargetError(f"cannot use target {target!r}: give builtin:reference, builtin:mutant/NAME or an http(s):// URL")
