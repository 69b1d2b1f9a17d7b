"""The adapter interface: how the driver reaches a target, whatever the transport."""

from __future__ import annotations

from abc import ABC, abstractmethod

from validator.model import Exchange, Request


class Adapter(ABC):
    """Owns the transport to one target. ``send`` never raises for target misbehaviour:
    a timeout, a refused or dropped connection or an oversized answer is recorded on
    the returned :class:`Exchange` as ``error_kind``/``error``.
    """

    description: str = ""

    @property
    @abstractmethod
    def capabilities(self) -> frozenset[str]:
        """What this adapter can do beyond sending messages (``auth-token``, ``state-hook``)."""

    @abstractmethod
    def send(self, request: Request) -> Exchange:
        """Perform one request."""

    @abstractmethod
    def set_consumer_state(self, consumer_id: str, current_load: int, max_capacity: int) -> Exchange:
        """Ask the target, through its test hook, to take on a consumer state."""

    def limit_to(self, deadline: float | None) -> None:  # noqa: B027 - optional override
        """Never let a request run past this ``time.monotonic()`` instant (the run's deadline)."""

    def mark_state_hook(self, available: bool) -> None:  # noqa: B027 - optional override
        """Record whether the target's state hook answered the capability probe."""

    def close(self) -> None:  # noqa: B027 - optional override
        """Release the transport."""
