"""Explain exactly how two identifiers differ, because "does not match" alone sends support hunting.

SPs compare URLs and entity IDs as exact strings (a trailing slash, letter case or http/https makes a different
value), so the explanation names the first thing a person has to change, component by component.
"""

from __future__ import annotations

from urllib.parse import SplitResult, urlsplit


def differences(actual: str, expected: str, actual_label: str, expected_label: str) -> list[str]:
    """Return sentences naming every difference between ``actual`` and ``expected`` (empty when equal)."""
    if actual == expected:
        return []
    found: list[str] = []
    for value, label in ((actual, actual_label), (expected, expected_label)):
        if value != value.strip():
            found.append(f"{label} has {_whitespace_where(value)} whitespace")
    a, e = actual.strip(), expected.strip()
    if a == e:
        return found
    for x, y, x_label, y_label in ((a, e, actual_label, expected_label), (e, a, expected_label, actual_label)):
        if len(x) >= 2 and x[0] == x[-1] and x[0] in "\"'" and x[1:-1] == y:
            return [*found, f"{x_label} is wrapped in {_quote_name(x[0])} that {y_label} does not have"]
    url_a, url_e = _as_url(a), _as_url(e)
    if url_a is not None and url_e is not None:
        return found + _url_differences(url_a, url_e, actual_label, expected_label)
    return found + _text_differences(a, e, actual_label, expected_label)


def explain(actual: str, expected: str, actual_label: str, expected_label: str) -> str:
    """Return one sentence: both values exactly, then how they differ."""
    diffs = differences(actual, expected, actual_label, expected_label)
    detail = "; ".join(diffs) if diffs else "they are equal"
    return f"{actual_label} {actual!r} does not match {expected_label} {expected!r}: {detail}"


def _whitespace_where(value: str) -> str:
    leading, trailing = value != value.lstrip(), value != value.rstrip()
    return "leading and trailing" if leading and trailing else "leading" if leading else "trailing"


def _quote_name(mark: str) -> str:
    return "double quotes" if mark == '"' else "single quotes"


def _as_url(value: str) -> SplitResult | None:
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    return parts if parts.scheme and parts.netloc else None


def _url_differences(a: SplitResult, e: SplitResult, a_label: str, e_label: str) -> list[str]:
    found: list[str] = []
    if a.scheme != e.scheme:
        if a.scheme.lower() == e.scheme.lower():
            found.append(f"the scheme differs in letter case ({a.scheme!r} vs {e.scheme!r})")
        else:
            found.append(f"{a_label} uses {a.scheme}:// where {e_label} uses {e.scheme}://")
    found += _host_differences(a, e, a_label, e_label)
    found += _path_differences(a.path, e.path, a_label, e_label)
    for part, name in ((a.query, "query string"), (a.fragment, "fragment")):
        other = e.query if name == "query string" else e.fragment
        if part != other:
            found.append(_optional_part(name, part, other, a_label, e_label))
    return found


def _host_differences(a: SplitResult, e: SplitResult, a_label: str, e_label: str) -> list[str]:
    if a.netloc == e.netloc:
        return []
    if a.netloc.lower() == e.netloc.lower():
        return [f"the host differs in letter case ({a.netloc!r} vs {e.netloc!r})"]
    if (a.hostname or "") == (e.hostname or "") and _port(a) != _port(e):
        return [f"{a_label} has {_port_text(a)} where {e_label} has {_port_text(e)}"]
    return [f"the host differs: {a_label} has {a.netloc!r} where {e_label} has {e.netloc!r}"]


def _port(parts: SplitResult) -> int | None:
    try:
        return parts.port
    except ValueError:
        return None


def _port_text(parts: SplitResult) -> str:
    port = _port(parts)
    return "no port" if port is None else f"port {port}"


def _path_differences(a: str, e: str, a_label: str, e_label: str) -> list[str]:
    if a == e:
        return []
    found: list[str] = []
    a_core, e_core = a.rstrip("/"), e.rstrip("/")
    a_slashes, e_slashes = len(a) - len(a_core), len(e) - len(e_core)
    if a_slashes > e_slashes:
        found.append(f"{a_label} has a trailing slash that {e_label} does not have")
    elif e_slashes > a_slashes:
        found.append(f"{e_label} has a trailing slash that {a_label} does not have")
    if a_core == e_core:
        return found
    if a_core.lower() == e_core.lower():
        found.append(f"the path differs in letter case ({a_core!r} vs {e_core!r})")
    else:
        found.append(f"the path differs: {a_label} has {a_core or '/'!r} where {e_label} has {e_core or '/'!r}")
    return found


def _optional_part(name: str, a: str, e: str, a_label: str, e_label: str) -> str:
    if not e:
        return f"{a_label} has a {name} {a!r} that {e_label} does not have"
    if not a:
        return f"{e_label} has a {name} {e!r} that {a_label} does not have"
    return f"the {name} differs ({a!r} vs {e!r})"


def _text_differences(a: str, e: str, a_label: str, e_label: str) -> list[str]:
    if a.rstrip("/") == e.rstrip("/"):
        if len(a) > len(e):
            return [f"{a_label} has a trailing slash that {e_label} does not have"]
        return [f"{e_label} has a trailing slash that {a_label} does not have"]
    if a.lower() == e.lower():
        index = next(i for i, (x, y) in enumerate(zip(a, e, strict=True)) if x != y)
        return [f"they differ only in letter case, first at character {index + 1} ({a[index]!r} vs {e[index]!r})"]
    index = next((i for i, (x, y) in enumerate(zip(a, e, strict=False)) if x != y), min(len(a), len(e)))
    rest = f"{a_label} continues {a[index:]!r} where {e_label} continues {e[index:]!r}"
    return [f"they differ from character {index + 1}: {rest}"]
