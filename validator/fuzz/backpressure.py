"""Hypothesis strategies for Nexus Backpressure v1.0 inputs.

Valid cases span the whole valid space (boundaries, long ids, large rates); invalid cases
break exactly one rule each and name the requirement that rule belongs to; odd JSON
(integral floats, duplicate keys, huge integers, deep nesting, non-objects, bad UTF-8)
covers what typed decoders trip over.
"""

from __future__ import annotations

import json
import string
import time
from typing import Any

from hypothesis import strategies as st

from validator.fuzz.cases import FuzzCase

ID_ALPHABET = string.ascii_letters + string.digits + "_-"
SAFE_INT = 2**53  # beyond this JSON integers are not portable: such rates are "either"
COUNTERS = (
    "items_buffered",
    "items_processed",
    "items_dropped",
    "latency_p50_ms",
    "latency_p99_ms",
    "throughput_current",
    "backpressure_triggered_count",
    "error_count",
)

# The alphabet's edges (ids made of or led by '-' and '_') are where parsers slip, so they are drawn often.
_edges = st.tuples(st.sampled_from(["-", "_", "--", "-_", "_-"]), st.text(alphabet=ID_ALPHABET, max_size=20)).map(
    "".join
)
ids = st.one_of(st.text(alphabet=ID_ALPHABET, min_size=1, max_size=256), _edges)
# producer ids get a unique suffix at send time (rate limits): leave room for it
producer_ids = st.one_of(st.text(alphabet=ID_ALPHABET, min_size=1, max_size=230), _edges)
bad_ids = st.one_of(
    st.text(alphabet=ID_ALPHABET, min_size=257, max_size=300),
    st.tuples(
        st.text(alphabet=ID_ALPHABET, max_size=20),
        st.characters(exclude_characters=ID_ALPHABET, exclude_categories=["Cs"]),
        st.text(alphabet=ID_ALPHABET, max_size=20),
    ).map("".join),
    st.text(alphabet=ID_ALPHABET, min_size=1, max_size=20).map(lambda s: s + "\n"),
)
# Integer widths are where implementations slip, so their edges are drawn often.
_WIDTH_EDGES = [2**15 - 1, 2**15, 2**16, 2**31 - 1, 2**31, 2**32, 2**53 - 1, SAFE_INT]


def positive_ints(minimum: int) -> Any:
    """Integers from ``minimum`` up to 2^53, with the usual integer-width edges drawn often."""
    return st.one_of(st.integers(min_value=minimum, max_value=SAFE_INT), st.sampled_from(_WIDTH_EDGES))


wrong_types = st.one_of(
    st.booleans(),
    st.none(),
    st.text(max_size=5),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=1),
    st.floats(allow_nan=False, allow_infinity=False).filter(lambda f: not f.is_integer()),
)
int_fields = {
    "requested_rate": "BP-CS-07",
    "priority_level": "BP-CS-07",
    "timeout_ms": "BP-CS-07",
    "timestamp": "BP-CS-07",
}


@st.composite
def valid_signal(draw: Any) -> dict[str, Any]:
    """A CapacitySignal every conforming controller must answer with a FlowControl."""
    return {
        "action": "CapacitySignal",
        "version": "1.0",
        "producer_id": draw(producer_ids),
        "consumer_id": draw(ids),
        "requested_rate": draw(positive_ints(1)),
        "priority_level": draw(st.sampled_from([0, 1, 2])),
        "timeout_ms": draw(st.integers(min_value=100, max_value=30000)),
        "timestamp": int(time.time() * 1000),
    }


@st.composite
def valid_metrics(draw: Any) -> dict[str, Any]:
    """A MetricsReport every conforming controller must accept."""
    message = {
        "action": "MetricsReport",
        "version": "1.0",
        "producer_id": draw(producer_ids),
        "consumer_id": draw(ids),
        "timestamp": int(time.time() * 1000),
    }
    if draw(st.booleans()):
        message["flow_name"] = draw(ids)
    for name in COUNTERS:
        message[name] = draw(positive_ints(0))
    return message


def _accept(endpoint: str, rid: str) -> Any:
    return lambda m: FuzzCase(endpoint=endpoint, expect="accept", judges=(rid,), label="valid", message=m)


@st.composite
def broken_signal(draw: Any) -> FuzzCase:
    """A CapacitySignal with exactly one rule broken, tagged with that rule's requirement."""
    msg = draw(valid_signal())
    rule = draw(
        st.sampled_from(
            ["id-missing", "id-empty", "rate", "priority", "timeout", "id-format", "type", "action", "version"]
        )
    )
    field = draw(st.sampled_from(["producer_id", "consumer_id"]))
    if rule == "id-missing":
        del msg[field]
        rid, label = "BP-CS-02", f"{field} missing"
    elif rule == "id-empty":
        msg[field], rid, label = "", "BP-CS-02", f"{field} empty"
    elif rule == "rate":
        msg["requested_rate"], rid, label = draw(st.integers(max_value=0)), "BP-CS-03", "requested_rate ≤ 0"
    elif rule == "priority":
        msg["priority_level"] = draw(st.integers().filter(lambda p: p not in (0, 1, 2)))
        rid, label = "BP-CS-04", "priority_level outside 0/1/2"
    elif rule == "timeout":
        msg["timeout_ms"] = draw(st.one_of(st.integers(max_value=99), st.integers(min_value=30001)))
        rid, label = "BP-CS-05", "timeout_ms out of range"
    elif rule == "id-format":
        msg[field], rid, label = draw(bad_ids), "BP-CS-06", f"{field} malformed"
    elif rule == "type":
        name = draw(st.sampled_from([*int_fields, "producer_id", "consumer_id"]))
        value = draw(wrong_types)
        if name in ("producer_id", "consumer_id") and isinstance(value, str):
            value = 12345
        msg[name], rid, label = value, "BP-CS-07", f"{name} of the wrong JSON type"
    elif rule == "action":
        msg["action"] = draw(st.text(max_size=20).filter(lambda a: a != "CapacitySignal"))
        rid, label = "BP-CS-08", "wrong action"
    else:
        msg["version"] = draw(st.text(max_size=8).filter(lambda v: v != "1.0"))
        rid, label = "BP-CS-08", "wrong version"
    return FuzzCase(endpoint="capacity", expect="reject", judges=(rid,), label=label, message=msg)


@st.composite
def broken_metrics(draw: Any) -> FuzzCase:
    """A MetricsReport with one id or counter broken."""
    msg = draw(valid_metrics())
    if draw(st.booleans()):
        field = draw(st.sampled_from(["producer_id", "consumer_id", "flow_name"]))
        msg[field] = draw(st.one_of(bad_ids, st.just("")))
        return FuzzCase(
            endpoint="metrics", expect="reject", judges=("BP-MR-02",), label=f"{field} malformed", message=msg
        )
    counter = draw(st.sampled_from(COUNTERS))
    msg[counter] = draw(st.one_of(st.integers(max_value=-1), wrong_types))
    return FuzzCase(endpoint="metrics", expect="reject", judges=("BP-MR-03",), label=f"{counter} invalid", message=msg)


@st.composite
def odd_json(draw: Any) -> FuzzCase:
    """Bodies typed decoders trip over."""
    kind = draw(st.sampled_from(["integral-float", "duplicate-key", "huge-int", "not-object", "deep", "bad-utf8"]))
    msg = draw(valid_signal())
    base = json.dumps(msg, separators=(",", ":"))
    if kind == "integral-float":
        name = draw(st.sampled_from(["requested_rate", "timeout_ms", "priority_level"]))
        text = base.replace(f'"{name}":{msg[name]}', f'"{name}":{float(msg[name])!r}')
        return FuzzCase(
            endpoint="capacity",
            expect="either",
            judges=("BP-CS-07",),
            label=f"{name} as {msg[name]}.0",
            raw=text.encode(),
        )
    if kind == "duplicate-key":
        text = base[:-1] + f',"requested_rate":{draw(st.integers(min_value=1, max_value=1000))}}}'
        return FuzzCase(
            endpoint="capacity", expect="either", judges=("BP-CS-07",), label="duplicate key", raw=text.encode()
        )
    if kind == "huge-int":
        text = base.replace(
            f'"requested_rate":{msg["requested_rate"]}',
            f'"requested_rate":{draw(st.integers(min_value=SAFE_INT + 1, max_value=2**80))}',
        )
        return FuzzCase(
            endpoint="capacity",
            expect="either",
            judges=("BP-CS-01",),
            label="requested_rate beyond 2^53",
            raw=text.encode(),
        )
    if kind == "not-object":
        value = draw(st.one_of(st.lists(st.integers(), max_size=3), st.text(max_size=10), st.integers(), st.none()))
        return FuzzCase(
            endpoint="capacity",
            expect="reject",
            judges=("BP-ERR-02",),
            label="body not an object",
            raw=json.dumps(value).encode(),
        )
    if kind == "deep":
        depth = draw(st.integers(min_value=100, max_value=100_000))
        return FuzzCase(
            endpoint="capacity",
            expect="reject",
            judges=("BP-ERR-02",),
            label=f"nested {depth} deep",
            raw=b"[" * depth + b"]" * depth,
        )
    junk = draw(st.binary(min_size=1, max_size=4).filter(lambda b: not _utf8(b)))
    return FuzzCase(
        endpoint="capacity",
        expect="reject",
        judges=("BP-ERR-02",),
        label="invalid UTF-8",
        raw=base[:-1].encode() + b',"x":"' + junk + b'"}',
    )


def _utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def cases() -> Any:
    """Every kind of case, weighted towards valid ones (they carry the most checks)."""
    return st.one_of(
        valid_signal().map(_accept("capacity", "BP-CS-01")),
        valid_signal().map(_accept("capacity", "BP-CS-01")),
        valid_metrics().map(_accept("metrics", "BP-MR-01")),
        broken_signal(),
        broken_metrics(),
        odd_json(),
    )
