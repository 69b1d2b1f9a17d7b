"""Every check, by name, in one explicit registry.

Scenario files and protocol files name checks; this module maps names to
functions. A new check is a small function in the module of its family plus
one line here.
"""

from __future__ import annotations

from validator.checks import batch, expectations, http
from validator.checks.backpressure import algorithm, envelope, fairness, flowcontrol, producer
from validator.checks.base import (
    BatchCheck,
    BatchCheckFn,
    CheckContext,
    ExchangeCheck,
    ExchangeCheckFn,
    Issue,
    ProducerCheck,
    ProducerCheckFn,
    ProducerContext,
    ScenarioCheck,
)

__all__ = [
    "BATCH_CHECKS",
    "EXCHANGE_CHECKS",
    "PRODUCER_CHECKS",
    "SCENARIO_CHECKS",
    "STEP_CHECKS",
    "CheckContext",
    "ExchangeCheck",
    "Issue",
    "ProducerCheck",
    "ProducerContext",
    "ScenarioCheck",
    "judged_by",
]


def _c(name: str, reqs: tuple[str, ...], func: ExchangeCheckFn) -> ExchangeCheck:
    return ExchangeCheck(name=name, requirements=reqs, func=func, description=(func.__doc__ or "").strip())


EXCHANGE_CHECKS: dict[str, ExchangeCheck] = {
    check.name: check
    for check in (
        _c("expectation", (), expectations.check_expectation),
        _c("rejection-has-reason", ("BP-ERR-01",), expectations.check_rejection_has_reason),
        _c("rejection-is-json", ("BP-ERR-03",), expectations.check_rejection_is_json),
        _c("success-is-json", ("BP-HTTP-02",), http.check_success_is_json),
        _c("health-body", ("BP-HTTP-04",), http.check_health_body),
        _c("message-schema", ("BP-ENV-05", "BP-FC-01"), envelope.check_message_schema),
        _c("message-valid", (), envelope.check_message_valid),
        _c("envelope-action", ("BP-ENV-01",), envelope.check_envelope_action),
        _c("envelope-version", ("BP-ENV-02",), envelope.check_envelope_version),
        _c("envelope-timestamp", ("BP-ENV-03",), envelope.check_envelope_timestamp),
        _c("timestamp-plausible", ("BP-ENV-04",), envelope.check_timestamp_plausible),
        _c("id-alphabet", ("BP-ENV-06",), envelope.check_id_alphabet),
        _c("flowcontrol-echoes-ids", ("BP-FC-02",), flowcontrol.check_echoes_ids),
        _c("flowcontrol-load-range", ("BP-FC-03",), flowcontrol.check_load_range),
        _c("flowcontrol-level-range", ("BP-FC-04",), flowcontrol.check_level_range),
        _c("flowcontrol-rate-bounds", ("BP-FC-05",), flowcontrol.check_rate_bounds),
        _c("flowcontrol-capacity", ("BP-FC-06",), flowcontrol.check_capacity),
        _c("flowcontrol-reason", ("BP-FC-07",), flowcontrol.check_reason),
        _c("flowcontrol-apply-immediately", ("BP-FC-08",), flowcontrol.check_apply_immediately),
        _c("algorithm-ceiling", ("BP-ALG-01",), algorithm.check_ceiling),
        _c("algorithm-exact", ("BP-ALG-02",), algorithm.check_exact),
        _c("algorithm-level", ("BP-ALG-03",), algorithm.check_level),
        _c("algorithm-tier", ("BP-ALG-04",), algorithm.check_tier),
        _c("rate-limit-response", ("BP-RL-05",), http.check_rate_limit_response),
        _c("metrics-latency-order", ("BP-PR-07",), producer.check_latency_order),
    )
}


def _b(name: str, reqs: tuple[str, ...], func: BatchCheckFn) -> BatchCheck:
    return BatchCheck(name=name, requirements=reqs, func=func, description=(func.__doc__ or "").strip())


BATCH_CHECKS: dict[str, BatchCheck] = {
    check.name: check
    for check in (
        _b("latency-budget", (), batch.check_latency_budget),
        _b("fair-sum", ("BP-FAIR-01",), fairness.check_sum_within_capacity),
        _b("fair-proportional", ("BP-FAIR-02",), fairness.check_proportional),
        _b("fair-priority", ("BP-FAIR-03",), fairness.check_priority_order),
    )
}

SCENARIO_CHECKS: dict[str, ScenarioCheck] = {
    "algorithm-level-monotonic": ScenarioCheck(
        name="algorithm-level-monotonic",
        requirements=("BP-ALG-03",),
        func=algorithm.check_level_monotonic,
        description=(algorithm.check_level_monotonic.__doc__ or "").strip(),
    ),
}


def _p(name: str, reqs: tuple[str, ...], func: ProducerCheckFn) -> ProducerCheck:
    return ProducerCheck(name=name, requirements=reqs, func=func, description=(func.__doc__ or "").strip())


PRODUCER_CHECKS: dict[str, ProducerCheck] = {
    check.name: check
    for check in (
        _p(
            "emitted-envelope",
            ("BP-ENV-01", "BP-ENV-02", "BP-ENV-03", "BP-ENV-04", "BP-ENV-05", "BP-ENV-06"),
            producer.check_emitted_envelope,
        ),
        _p("producer-signals-valid", ("BP-PR-01",), producer.check_signals_valid),
        _p("producer-metrics-valid", ("BP-PR-02",), producer.check_metrics_valid),
        _p("producer-rate", ("BP-PR-03",), producer.check_rate),
        _p("producer-pause", ("BP-PR-04",), producer.check_pause),
        _p("producer-metrics-interval", ("BP-PR-05",), producer.check_metrics_interval),
        _p("producer-signals-periodic", ("BP-PR-06",), producer.check_signals_periodic),
        _p("producer-metrics-consistent", ("BP-PR-07",), producer.check_metrics_consistent),
        _p("producer-backoff", ("BP-PR-08",), producer.check_backoff),
    )
}

# Checks that only produce findings for the ids they are asked to judge, but
# whose applicability depends on the step: the driver always adds these.
STEP_CHECKS: tuple[str, ...] = ("expectation", "rejection-has-reason", "rejection-is-json")


def judged_by(check_names: tuple[str, ...] | list[str], step_judges: tuple[str, ...]) -> set[str]:
    """Requirement ids a set of checks can judge, given the ids a step names."""
    ids: set[str] = set()
    for name in check_names:
        check = EXCHANGE_CHECKS.get(name) or BATCH_CHECKS.get(name)
        if check is None:
            scenario_check = SCENARIO_CHECKS.get(name) or PRODUCER_CHECKS.get(name)
            ids.update(scenario_check.requirements if scenario_check else ())
            continue
        ids.update(check.requirements or step_judges)
    return ids
