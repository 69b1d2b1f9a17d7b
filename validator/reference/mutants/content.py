"""Mutants whose FlowControl messages are malformed."""

from __future__ import annotations

import time
from typing import Any

from validator.reference.controller import ReferenceController


# -------------------------------------------------------- FlowControl content
class _Rewrite(ReferenceController):
    """Base for mutants that alter the FlowControl they emit."""

    def flow_control(self, msg: dict[str, Any], rate: int, load: int, cap: int) -> dict[str, Any]:
        return self.rewrite(super().flow_control(msg, rate, load, cap))

    def rewrite(self, fc: dict[str, Any]) -> dict[str, Any]:
        return fc


class TimestampSeconds(_Rewrite):
    def rewrite(self, fc: dict[str, Any]) -> dict[str, Any]:
        return {**fc, "timestamp": fc["timestamp"] // 1000}


class TimestampIsoString(_Rewrite):
    def rewrite(self, fc: dict[str, Any]) -> dict[str, Any]:
        return {**fc, "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(fc["timestamp"] / 1000))}


class IdsNotEchoed(_Rewrite):
    def rewrite(self, fc: dict[str, Any]) -> dict[str, Any]:
        return {**fc, "producer_id": "controller", "consumer_id": "default-consumer"}


class MissingAction(_Rewrite):
    def rewrite(self, fc: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in fc.items() if k != "action"}


class NumericVersion(_Rewrite):
    def rewrite(self, fc: dict[str, Any]) -> dict[str, Any]:
        return {**fc, "version": 1}


class LoadAsItemCount(_Rewrite):
    def rewrite(self, fc: dict[str, Any]) -> dict[str, Any]:
        return {**fc, "current_load": fc["current_load"] * fc["max_capacity"] // 100 + 101}


class FourLevels(_Rewrite):
    """Uses the 0-3 level scale of the informal notes."""

    def rewrite(self, fc: dict[str, Any]) -> dict[str, Any]:
        return {**fc, "backpressure_level": 3} if fc["current_load"] >= 95 else fc


class StringRate(_Rewrite):
    def rewrite(self, fc: dict[str, Any]) -> dict[str, Any]:
        return {**fc, "recommended_rate": str(fc["recommended_rate"])}


class NegativeCapacity(_Rewrite):
    def rewrite(self, fc: dict[str, Any]) -> dict[str, Any]:
        return {**fc, "max_capacity": -1}


class MissingReason(_Rewrite):
    def rewrite(self, fc: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in fc.items() if k != "reason"}


class EmptyReasonString(_Rewrite):
    def rewrite(self, fc: dict[str, Any]) -> dict[str, Any]:
        return {**fc, "reason": ""}


class StringApplyImmediately(_Rewrite):
    def rewrite(self, fc: dict[str, Any]) -> dict[str, Any]:
        return {**fc, "apply_immediately": "true" if fc["apply_immediately"] else "false"}
