"""Write ``report.html``: one self-contained page (inline CSS and SVG, no network) people can read."""

from __future__ import annotations

import html
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, PackageLoader, select_autoescape

from saml_harness.report.build import all_cases, class_rank, load_runs, write_json_reports
from saml_harness.report.records import anchor
from saml_harness.report.view import (
    FAILED,
    artifacts,
    case_text,
    cell_token,
    facets,
    matrix_rows,
    outcome_class,
    wrongly_accepted,
)

LANES = ("Browser", "JustCall (SP)", "Okta (IdP)")
LANE_X = (70, 330, 590)
ROW = 34


def lane_names(target: str | None) -> tuple[str, str, str]:
    """Name the SP lane after the target under test (the bundled SP is JustCall)."""
    if not target or target == "bundled":
        return LANES
    return (LANES[0], f"{target} (SP)", LANES[2])


def lane_of(url: str, sp_origin: str, idp_origin: str) -> int:
    """Return the lane a URL belongs to: 1 for the SP, 2 for the IdP (unknown hosts go to the SP side)."""
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(url))
    return 2 if origin == idp_origin else 1


def failing_hop(hops: list[dict[str, Any]], case: dict[str, Any] | None = None) -> int | None:
    """Return the hop to look at first: the first HTTP error, or the response the SP wrongly accepted."""
    for index, hop in enumerate(hops):
        if hop["status"] >= 400:
            return index
    if case is not None and wrongly_accepted(case):
        posted = [i for i, hop in enumerate(hops) if any(m.startswith("SAMLResponse") for m in hop["saml"])]
        return posted[-1] if posted else None
    return None


def sequence_svg(
    hops: list[dict[str, Any]],
    sp_origin: str,
    idp_origin: str,
    *,
    lanes: tuple[str, str, str] = LANES,
    bad: int | None = None,
    bad_note: str = "",
) -> str:
    """Draw the flow as a sequence diagram: Browser, SP and Okta lanes, one request/answer per hop.

    ``bad`` (default: the first HTTP error) is drawn in red with ``bad_note`` after its answer.
    """
    bad = failing_hop(hops) if bad is None else bad
    height = 50 + ROW * len(hops) * 2
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="680" height="{height}" class="seq" role="img">']
    for name, x in zip(lanes, LANE_X, strict=True):
        parts.append(f'<text x="{x}" y="18" text-anchor="middle" class="lane">{html.escape(name)}</text>')
        parts.append(f'<line x1="{x}" y1="26" x2="{x}" y2="{height - 4}" class="life"/>')
    y = 44
    for index, hop in enumerate(hops):
        lane = LANE_X[lane_of(hop["url"], sp_origin, idp_origin)]
        path = urlsplit(hop["url"]).path or "/"
        label = f"{hop['method']} {path}" + (f" [{', '.join(hop['saml'])}]" if hop["saml"] else "")
        css = "bad" if index == bad else "req"
        parts.append(f'<line x1="{LANE_X[0]}" y1="{y}" x2="{lane - 6}" y2="{y}" class="{css}" marker-end="url(#a)"/>')
        parts.append(f'<text x="{LANE_X[0] + 8}" y="{y - 5}" class="lbl">{html.escape(label[:90])}</text>')
        y += ROW
        answer = f"{hop['status']}" + (f" -> {urlsplit(hop['location']).path}" if hop.get("location") else "")
        if hop.get("note"):
            answer += f"  ({hop['note']})"
        if index == bad and bad_note:
            answer += f"  {bad_note}"
        parts.append(
            f'<line x1="{lane}" y1="{y}" x2="{LANE_X[0] + 6}" y2="{y}" class="{css} ans" marker-end="url(#a)"/>'
        )
        parts.append(f'<text x="{LANE_X[0] + 8}" y="{y - 5}" class="lbl {css}">{html.escape(answer[:110])}</text>')
        y += ROW
    parts.insert(
        1,
        '<defs><marker id="a" markerWidth="8" markerHeight="8" refX="7" refY="4" orient="auto">'
        '<path d="M0,0 L8,4 L0,8 z"/></marker></defs>',
    )
    parts.append("</svg>")
    return "".join(parts)


def artifacts_for(nodeid: str, report_dir: Path) -> list[str]:
    """Return Playwright traces and screenshots kept for this test (relative paths under reports/)."""
    return [path for paths in artifacts(nodeid, report_dir).values() for path in paths]


def diagram(case: dict[str, Any], target: str | None) -> str:
    """Return the case's sequence diagram, the failing hop marked (also a wrongly accepted response)."""
    hops = case.get("hops") or []
    if not hops:
        return ""
    bad = failing_hop(hops, case)
    note = "<- accepted, but a refusal was expected" if wrongly_accepted(case) and bad is not None else ""
    sp_origin, idp_origin = case.get("sp_origin", ""), case.get("idp_origin", "")
    return sequence_svg(hops, sp_origin, idp_origin, lanes=lane_names(target), bad=bad, bad_note=note)


def render(report_dir: Path) -> Path:
    """Rebuild ``matrix.json`` and ``report.html`` from every results file in ``report_dir``."""
    runs = load_runs(report_dir)
    data = write_json_reports(report_dir, runs)
    cases = sorted(all_cases(runs), key=class_rank)
    targets = {run["run"]["name"]: run["run"].get("target") for run in runs}
    for case in cases:
        for key, empty in (("actual", {}), ("expected", {}), ("problems", []), ("hops", []), ("messages", {})):
            case.setdefault(key, empty)
        case["svg"] = diagram(case, case.get("target") or targets.get(case.get("run", "")))
        case["files"] = artifacts(case["nodeid"], report_dir)
        case["artifacts"] = [path for paths in case["files"].values() for path in paths]
        case["failing_hop"] = failing_hop(case.get("hops", []), case)
        case["anchor"] = anchor(case["nodeid"])
        case["class"] = outcome_class(case)
        case["text"] = case_text(case)
        case["cells"] = cell_token(case.get("flow"), case["class"])
    env = Environment(loader=PackageLoader("saml_harness.report"), autoescape=select_autoescape(["html", "j2"]))
    page = env.get_template("report.html.j2").render(
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
        runs=[run["run"] for run in runs],
        summary=data["summary"],
        classes=data["classes"],
        matrix=data["matrix"],
        cases=cases,
        failed=[c for c in cases if c["outcome"] in FAILED],
        rows=matrix_rows(data["matrix"], cases),
        facets=facets(cases),
        requirements=_requirements(report_dir),
    )
    out = report_dir / "report.html"
    out.write_text(page)
    return out


def _requirements(report_dir: Path) -> Any:
    """Return ``requirements.json`` (the spec traceability written by the security suite), if present."""
    import json

    path = report_dir / "requirements.json"
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text())
    except ValueError:
        return None
