"""What a clean Nexus Backpressure message meets beyond its schema, for the capture fast path.

``nexus-validate check`` first asks whether a message is clean: valid against its schema,
with a plausible timestamp and, for a FlowControl, a rate and level the algorithm allows.
Only messages that are not clean go through the full checks, which explain what is wrong.
Anything this module calls clean, those checks must find nothing in: the differential test
in ``tests/unit/test_capture_engines.py`` holds the two together.
"""

from __future__ import annotations

import operator
from typing import Any

from validator.checks.backpressure.envelope import MS_CEILING, MS_FLOOR

# tighter bounds a clean message's fields meet (inclusive): the timestamp is in epoch milliseconds (BP-ENV-04)
FIELD_BOUNDS: dict[str, tuple[int, int]] = {"timestamp": (MS_FLOOR, MS_CEILING - 1)}


def flowcontrol_clean(load: int, capacity: int, rate: int, level: int) -> bool:
    """Rate within capacity and within the algorithm's value; level as the resolution requires.

    The same as :func:`tier_rate` and the level rule, written out: it runs on every FlowControl.
    """
    if load < 50:
        return rate <= capacity and level == 0
    if load < 80:
        return rate <= capacity // 2
    if load < 95:
        return rate <= capacity // 4
    return rate == 0 and level == 2


# message type -> (fields passed in order, predicate); used on messages already valid against their schema
CLEAN_RULES: dict[str, tuple[tuple[str, ...], Any]] = {
    "FlowControl": (("current_load", "max_capacity", "recommended_rate", "backpressure_level"), flowcontrol_clean),
    "MetricsReport": (("latency_p50_ms", "latency_p99_ms"), operator.le),  # p50 <= p99
}

# HAR captures: which requirement a controller broke by accepting an invalid request, by field.
_SIGNAL_FIELDS = {
    "producer_id": ("BP-CS-02", "BP-CS-06"),  # (missing or empty, malformed)
    "consumer_id": ("BP-CS-02", "BP-CS-06"),
    "requested_rate": ("BP-CS-03", "BP-CS-03"),
    "priority_level": ("BP-CS-04", "BP-CS-04"),
    "timeout_ms": ("BP-CS-05", "BP-CS-05"),
}
# omitting these in a request may be accepted or refused (the resolution of BP-CS-09)
_MAY_OMIT = frozenset({"action", "version", "timestamp", "priority_level", "timeout_ms"})
ACCEPT_IDS = {"CapacitySignal": "BP-CS-01", "MetricsReport": "BP-MR-01"}


def rejection_ids(message_type: str, errors: list[Any]) -> tuple[str, ...] | None:
    """The ids a controller breaks by accepting a request with these schema errors.

    ``None`` when the errors are only omissions the controller may accept (nothing to judge).
    """
    ids: set[str] = set()
    for error in errors:
        field = str(error.path[0]) if error.path else ""
        if error.validator == "required":
            missing = str(error.message).split("'")[1] if "'" in str(error.message) else ""
            if missing in _MAY_OMIT:
                continue
            field = missing
        if message_type == "MetricsReport":
            ids.add("BP-MR-02" if field.endswith("_id") or field == "flow_name" else "BP-MR-03")
            continue
        if message_type != "CapacitySignal":
            continue
        if field in ("action", "version"):
            ids.add("BP-CS-08")
        elif error.validator == "type":
            ids.add("BP-CS-07")
        elif field in _SIGNAL_FIELDS:
            empty, malformed = _SIGNAL_FIELDS[field]
            ids.add(empty if error.validator in ("required", "minLength") else malformed)
    return tuple(sorted(ids)) or None
