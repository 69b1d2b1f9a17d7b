"""In-process targets: the reference controller and its mutants, reached through an httpx
transport that calls the controller directly (no socket), so the same HTTP adapter code runs."""

from __future__ import annotations

import httpx

from validator.errors import TargetError
from validator.reference.controller import ReferenceController
from validator.reference.mutants import MUTANTS

IN_PROCESS_BASE = "http://builtin.nexus-validate.invalid"


def controller_for(target: str, token: str | None) -> ReferenceController:
    """Instantiate the controller a ``builtin:`` target names."""
    name = target.removeprefix("builtin:")
    if name == "reference":
        return ReferenceController(token=token)
    if name.startswith("mutant/"):
        mutant = MUTANTS.get(name.removeprefix("mutant/"))
        if mutant is None:
            raise TargetError(f"unknown mutant {name.removeprefix('mutant/')!r}; see 'nexus-validate list --mutants'")
        return mutant.factory(token=token)
    raise TargetError(f"unknown built-in target {target!r} (use builtin:reference or builtin:mutant/NAME)")


def controller_transport(controller: ReferenceController) -> httpx.MockTransport:
    """An httpx transport whose every request is answered by ``controller.handle``."""

    def answer(request: httpx.Request) -> httpx.Response:
        headers = {k.lower(): v for k, v in request.headers.items()}
        reply = controller.handle(
            request.method, request.url.raw_path.decode("ascii", "replace"), headers, request.read()
        )
        return httpx.Response(reply.status, headers=list(reply.headers), content=reply.body)

    return httpx.MockTransport(answer)
