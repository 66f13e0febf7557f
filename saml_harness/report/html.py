"""Write ``report.html``: one self-contained page (inline CSS and SVG, no network) people can read."""

from __future__ import annotations

import html
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, PackageLoader, select_autoescape

from saml_harness.report.build import all_cases, class_rank, load_runs, write_json_reports

LANES = ("Browser", "JustCall (SP)", "Okta (IdP)")
LANE_X = (70, 330, 590)
ROW = 34


def lane_of(url: str, sp_origin: str, idp_origin: str) -> int:
    """Return the lane a URL belongs to: 1 for the SP, 2 for the IdP (unknown hosts go to the SP side)."""
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(url))
    return 2 if origin == idp_origin else 1


def failing_hop(hops: list[dict[str, Any]]) -> int | None:
    """Return the index of the first hop answered with an HTTP error, the step to look at first."""
    for index, hop in enumerate(hops):
        if hop["status"] >= 400:
            return index
    return None


def sequence_svg(hops: list[dict[str, Any]], sp_origin: str, idp_origin: str) -> str:
    """Draw the flow as a sequence diagram: Browser, JustCall and Okta lanes, one request/answer per hop."""
    bad = failing_hop(hops)
    height = 50 + ROW * len(hops) * 2
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="680" height="{height}" class="seq" role="img">']
    for name, x in zip(LANES, LANE_X, strict=True):
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
        parts.append(
            f'<line x1="{lane}" y1="{y}" x2="{LANE_X[0] + 6}" y2="{y}" class="{css} ans" marker-end="url(#a)"/>'
        )
        parts.append(f'<text x="{LANE_X[0] + 8}" y="{y - 5}" class="lbl {css}">{html.escape(answer[:90])}</text>')
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
    browser_dir = report_dir / "browser"
    if not browser_dir.is_dir():
        return []
    name = nodeid.split("::")[-1]
    slug = "".join(c if c.isalnum() else "-" for c in name).strip("-").lower()
    found = []
    for folder in browser_dir.iterdir():
        if folder.is_dir() and slug[:40] in folder.name.lower():
            found += [os.path.relpath(p, report_dir) for p in sorted(folder.rglob("*")) if p.is_file()]
    return found


def render(report_dir: Path) -> Path:
    """Rebuild ``matrix.json`` and ``report.html`` from every results file in ``report_dir``."""
    runs = load_runs(report_dir)
    data = write_json_reports(report_dir, runs)
    cases = sorted(all_cases(runs), key=class_rank)
    for case in cases:
        for key, empty in (("actual", {}), ("expected", {}), ("problems", []), ("hops", []), ("messages", {})):
            case.setdefault(key, empty)
        sp_origin, idp_origin = case.get("sp_origin", ""), case.get("idp_origin", "")
        case["svg"] = sequence_svg(case.get("hops", []), sp_origin, idp_origin) if case.get("hops") else ""
        case["artifacts"] = artifacts_for(case["nodeid"], report_dir)
        case["failing_hop"] = failing_hop(case.get("hops", []))
    env = Environment(loader=PackageLoader("saml_harness.report"), autoescape=select_autoescape(["html", "j2"]))
    page = env.get_template("report.html.j2").render(
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
        runs=[run["run"] for run in runs],
        summary=data["summary"],
        classes=data["classes"],
        matrix=data["matrix"],
        cases=cases,
        failed=[c for c in cases if c["outcome"] in ("failed", "error", "xpassed")],
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
