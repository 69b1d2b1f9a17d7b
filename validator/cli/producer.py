"""``nexus-validate run --role producer``: serve as the controller and sink, judge the producer."""

from __future__ import annotations

import os
import shlex
from typing import Any

from validator.cli.common import die, load_protocol_and_scenarios, pairs
from validator.errors import InputError, TargetError
from validator.model import Level

BUILTIN_DEFAULT = "builtin:reference"
IGNORED = ("token_env", "header_envs", "headers", "state_hook_path", "insecure", "deadline")


def run_producer(opts: dict[str, Any]) -> None:
    """Run the producer scenarios against a spawned, listening or built-in producer; exit by the gate."""
    from validator.cli.run import REPORT_FORMATS, RunSettings, drive
    from validator.known import parse_known_failures
    from validator.producer.driver import ProducerDriver, ProducerPlan
    from validator.producer.process import BUILTIN_PREFIX, builtin_command
    from validator.selection import SLOW_REASON, ordered, select_scenarios

    if opts["spawn"] and opts["listen"]:
        die("--spawn and --listen are alternatives: the validator starts the producer, or you do")
    protocol, scenarios = load_protocol_and_scenarios(opts["protocol_id"], tuple(opts["scenario_paths"]))
    if protocol.producer is None:
        die(f"protocol {protocol.id} defines no producer role")
    try:
        chosen, slow = select_scenarios(
            scenarios,
            protocol.catalog,
            tuple(opts["select"]),
            tuple(opts["deselect"]),
            opts["include_slow"],
            role="producer",
        )
        known = parse_known_failures(opts["known_failures"], protocol.catalog.ids) if opts["known_failures"] else ()
    except InputError as exc:  # a SelectionError too
        die(str(exc))
    target = opts["target"]
    host, port = "127.0.0.1", 0
    spawn: tuple[str, ...] | None
    if opts["listen"]:
        host, port = _host_port(opts["listen"])
        spawn = None
        target = f"listen:{opts['listen']}"
    elif opts["spawn"]:
        try:
            spawn = tuple(shlex.split(opts["spawn"]))
        except ValueError as exc:
            die(f"--spawn: {exc}")
        if not spawn:
            die("--spawn command is empty")
        target = f"spawn:{opts['spawn']}"
    else:
        if target == BUILTIN_DEFAULT:
            target = BUILTIN_PREFIX + "reference"
        if not target.startswith(BUILTIN_PREFIX):
            die(
                "--role producer needs --spawn COMMAND, --listen HOST:PORT or --target builtin:producer/NAME "
                f"(got --target {target})"
            )
        try:
            spawn = tuple(builtin_command(target))
        except TargetError as exc:
            die(str(exc))
    routes = pairs(tuple(opts["paths"]), "--path")
    unknown = set(routes) - {*protocol.producer.answers, "sink"}
    if unknown:
        die(
            f"--path names unknown endpoint(s) {', '.join(sorted(unknown))} "
            f"(known in the producer role: {', '.join([*protocol.producer.answers, 'sink'])})"
        )
    notes = [f"{name.replace('_', '-')} does not apply to the producer role; ignored" for name in IGNORED if opts[name]]
    seed = opts["seed"]
    if opts["shuffle"] and seed is None:
        seed = int.from_bytes(os.urandom(4), "big")
    if seed is not None:
        notes.append(f"scenario order shuffled with --seed {seed}")
    startup = opts["startup_timeout"] or (60.0 if opts["listen"] else 10.0)
    plan = ProducerPlan(
        protocol=protocol,
        scenarios=ordered(chosen, seed),
        target=target,
        spawn=spawn,
        host=host,
        port=port,
        paths=routes,
        profile=opts["profile"],
        skew_ms=int(opts["clock_skew"] * 1000),
        rate_tolerance_pct=opts["rate_tolerance"],
        max_signal_gap_s=opts["signal_interval"],
        timing_slack_s=opts["timing_slack"],
        startup_timeout_s=startup,
        notes=tuple(notes),
        skipped=tuple((s, SLOW_REASON) for s in slow),
    )
    settings = RunSettings(
        plan=plan,
        adapter_options=None,
        fail_on=Level.SHOULD if opts["strict"] else Level.parse(opts["fail_on"]),
        known=known,
        outputs={fmt: opts[name] for name, fmt in REPORT_FORMATS.items()},
        verbose=opts["verbose"],
    )
    drive(ProducerDriver(plan), settings)


def _host_port(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
        die(f"--listen must look like HOST:PORT (e.g. 127.0.0.1:9090), got {value!r}")
    return host or "127.0.0.1", int(port)
