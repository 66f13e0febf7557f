"""Lay out ``saml-harness scenarios`` for the width at hand: a table when it fits, one block per scenario when not.

Nothing is ever cut to ``…``: ids are copied into other commands, so each prints whole on a line of its own.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

from saml_harness.scenarios.catalogue import Scenario

COLUMNS = ("id", "flows", "expect", "user sees", "troubleshooting row")
GAP = "  "
TABLE_TEXT_MIN = 60
"""Room the table needs besides the id column; narrower screens get the block layout."""


def flows_of(scenario: Scenario) -> str:
    return ", ".join("SP" if f == "sp_initiated" else "IdP" for f in scenario.flows)


def shown_to_user(scenario: Scenario) -> str:
    return scenario.sp_error or scenario.idp_error or ("signed in" if scenario.expect == "accept" else "")


def render(scenarios: Sequence[Scenario], width: int) -> str:
    """Return the listing for ``width`` columns: a table if every id fits beside the other columns, else blocks."""
    id_width = max((len(s.id) for s in scenarios), default=2)
    if id_width + TABLE_TEXT_MIN <= width:
        return table(scenarios, width, id_width)
    return blocks(scenarios, width)


def table(scenarios: Sequence[Scenario], width: int, id_width: int) -> str:
    """Return an aligned table; the last two columns wrap inside their share of the width."""
    rows = [(s.id, flows_of(s), s.expect, shown_to_user(s), s.troubleshooting or "") for s in scenarios]
    fixed = [id_width, max(len("flows"), *(len(r[1]) for r in rows)), max(len("expect"), *(len(r[2]) for r in rows))]
    rest = width - sum(fixed) - len(GAP) * 4
    wrap = [max(rest // 2, 12), max(rest - rest // 2, 12)]
    widths = fixed + wrap
    lines = [f"{len(scenarios)} scenarios", _line(COLUMNS, widths), _line(tuple("-" * w for w in widths), widths)]
    for row in rows:
        cells = [[row[0]], [row[1]], [row[2]]] + [
            textwrap.wrap(text, w) or [""] for text, w in zip(row[3:], wrap, strict=True)
        ]
        for index in range(max(len(c) for c in cells)):
            lines.append(_line(tuple(c[index] if index < len(c) else "" for c in cells), widths))
    return "\n".join(lines)


def _line(cells: tuple[str, ...], widths: list[int]) -> str:
    return GAP.join(cell.ljust(w) for cell, w in zip(cells, widths, strict=True)).rstrip()


def blocks(scenarios: Sequence[Scenario], width: int) -> str:
    """Return one block per scenario: the id whole on its own line, then wrapped, indented details."""
    lines = [f"{len(scenarios)} scenarios"]
    wrapper = textwrap.TextWrapper(width=max(width, 40), initial_indent="    ", subsequent_indent="      ")
    for s in scenarios:
        lines += ["", s.id]
        details = [
            s.title,
            f"flows: {flows_of(s)}; expect: {s.expect}"
            + (f"; user sees: {shown_to_user(s)}" if shown_to_user(s) else ""),
        ]
        if s.troubleshooting:
            details.append(f"troubleshooting row: {s.troubleshooting}")
        for detail in details:
            lines += wrapper.wrap(detail)
    return "\n".join(lines)


def no_match_hint(prefix: str, flow: str | None, ids: Sequence[str]) -> str:
    """Say why nothing matched and what to try instead."""
    import difflib

    groups = sorted({i.split(".")[0] + "." for i in ids})
    close = difflib.get_close_matches(prefix, groups + list(ids), n=4, cutoff=0.5)
    what = f"no scenario id starts with {prefix!r}" + (f" in the {flow} flow" if flow else "")
    hint = f"did you mean {', '.join(close)}?" if close else f"ids start with one of: {' '.join(groups)}"
    return f"{what}; {hint} (`saml-harness scenarios` lists them all)"
