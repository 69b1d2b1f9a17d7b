"""Mutants that validate input wrongly or answer bad input badly."""

from __future__ import annotations

from typing import Any

from validator.reference.controller import ReferenceController, Rejected, Reply


# --------------------------------------------------------------- input checks
class TimeoutUnchecked(ReferenceController):
    TIMEOUT_RANGE = (-(2**63), 2**63)


class PriorityUnchecked(ReferenceController):
    PRIORITIES = tuple(range(-10, 100))


class ZeroRateAccepted(ReferenceController):
    def validate_signal(self, msg: dict[str, Any]) -> None:
        if type(msg.get("requested_rate")) is int and msg["requested_rate"] <= 0:
            msg = {**msg, "requested_rate": 1}
        super().validate_signal(msg)


class EmptyIdAccepted(ReferenceController):
    def valid_id(self, value: Any) -> bool:
        return value == "" or super().valid_id(value)


class IdAlphabetUnchecked(ReferenceController):
    def valid_id(self, value: Any) -> bool:
        return isinstance(value, str) and value != ""


class ShortIdLimit(ReferenceController):
    def valid_id(self, value: Any) -> bool:
        return super().valid_id(value) and len(value) <= 64


class BooleansAsIntegers(ReferenceController):
    def is_int(self, value: Any) -> bool:
        return isinstance(value, int)


class WrongActionAccepted(ReferenceController):
    def check_envelope(self, msg: dict[str, Any], action: str) -> None:
        if "action" in msg and "version" in msg and "timestamp" in msg:
            msg = {**msg, "action": action, "version": "1.0"}
        super().check_envelope(msg, action)


class LenientEnvelope(ReferenceController):
    """Defaults omitted action/version/timestamp/priority/timeout, as the getting-started guide does."""

    def capacity(self, msg: dict[str, Any]) -> Reply:
        defaults = {
            "action": "CapacitySignal",
            "version": "1.0",
            "timestamp": self.now_ms(),
            "priority_level": 0,
            "timeout_ms": 5000,
        }
        return super().capacity({**defaults, **msg})


class MetricsUnvalidated(ReferenceController):
    def validate_metrics(self, msg: dict[str, Any]) -> None:
        return None


class MetricsNeedFlowName(ReferenceController):
    def validate_metrics(self, msg: dict[str, Any]) -> None:
        if "flow_name" not in msg:
            raise Rejected("flow_name is required")
        super().validate_metrics(msg)


# ----------------------------------------------------------- error handling
class ServerErrorOnBadJson(ReferenceController):
    def on_bad_json(self) -> dict[str, Any]:
        raise Rejected("Traceback (most recent call last): json.decoder.JSONDecodeError", 500)


class EmptyReason(ReferenceController):
    def error_reply(self, status: int, reason: str, headers: tuple[tuple[str, str], ...] = ()) -> Reply:
        return self.json_reply(status, {"error": ""}, headers)


class PlainTextErrors(ReferenceController):
    def error_reply(self, status: int, reason: str, headers: tuple[tuple[str, str], ...] = ()) -> Reply:
        return Reply(status, (("Content-Type", "text/plain"), *headers), f"error: {reason}".encode())


class BrokenAfterBadJson(ReferenceController):
    """After a body that is not JSON, the next CapacitySignal fails: a poisoned parser state."""

    poisoned = False

    def on_bad_json(self) -> dict[str, Any]:
        self.poisoned = True
        return super().on_bad_json()

    def capacity(self, msg: dict[str, Any]) -> Reply:
        if self.poisoned:
            self.poisoned = False
            raise Rejected("internal error", 500)
        return super().capacity(msg)
