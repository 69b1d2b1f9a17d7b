"""The comparison matrix: implementations × requirements, from several saved reports."""

from __future__ import annotations

from typing import Any

from validator.reporting.html import LEVELS, STATUSES, environment


def matrix_rows(reports: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per requirement id (in the first report's order), with each report's status."""
    order: list[str] = []
    meta: dict[str, dict[str, Any]] = {}
    for report in reports:
        for req in report["requirements"]:
            if req["id"] not in meta:
                order.append(req["id"])
                meta[req["id"]] = req
    rows = []
    for rid in order:
        cells = []
        for report in reports:
            found = next((r for r in report["requirements"] if r["id"] == rid), None)
            cells.append(found["status"] if found else "untested")
        rows.append(
            {
                "id": rid,
                "level": meta[rid]["level"],
                "title": meta[rid]["title"],
                "area": meta[rid].get("area", ""),
                "cells": cells,
            }
        )
    return rows


def render_compare_html(reports: list[dict[str, Any]], names: list[str], links: list[str | None]) -> str:
    """An HTML matrix; each cell links to that report's HTML page at the requirement, where given."""
    return (
        environment()
        .get_template("compare.html.j2")
        .render(
            reports=reports,
            names=names,
            links=links,
            rows=matrix_rows(reports),
            statuses=STATUSES,
            levels=LEVELS,
        )
    )
