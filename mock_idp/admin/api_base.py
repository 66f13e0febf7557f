"""Hold the Admin API blueprint: SSWS authentication, JSON in and out, paging, and errors as Okta's JSON."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, g, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from mock_idp.admin.api_errors import BAD_MEDIA_TYPE, ApiError, forbidden, invalid_token, malformed, validation_failed
from mock_idp.admin.records import can_edit_apps, can_view_console
from mock_idp.idp_session import current_org

api_bp = Blueprint("api", __name__, url_prefix="/api/v1")

T = TypeVar("T")
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class PageSize:
    """An endpoint's page size when ``limit`` is absent, and the largest ``limit`` it honours (larger is cut)."""

    default: int
    maximum: int


# Okta's documented page sizes (Management API reference, "limit" of each list operation). Groups: Okta answers
# an unpaged GET /api/v1/groups with `Link: <.../api/v1/groups?limit=10000>; rel="self"` (okta/okta-sdk-python
# tests/integration/cassettes/TestGroupsResource.test_list_groups.yaml).
USERS_PAGE = PageSize(default=200, maximum=200)
GROUPS_PAGE = PageSize(default=10000, maximum=10000)
GROUP_MEMBERS_PAGE = PageSize(default=1000, maximum=1000)
APPS_PAGE = PageSize(default=20, maximum=200)
APP_USERS_PAGE = PageSize(default=50, maximum=500)
APP_GROUPS_PAGE = PageSize(default=20, maximum=200)
GROUP_APPS_PAGE = PageSize(default=20, maximum=200)


def okta_time(moment: datetime | None) -> str | None:
    """Format an instant as Okta's API does: whole seconds, then ``.000Z`` (``2026-06-01T12:00:00.000Z``)."""
    if moment is None:
        return None
    utc = moment.astimezone(UTC) if moment.tzinfo is not None else moment
    return f"{utc:%Y-%m-%dT%H:%M:%S}.000Z"


def json_response(value: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """Return ``value`` as ``application/json``."""
    return Response(json.dumps(value), status=status, mimetype="application/json", headers=headers)


def api_url(path: str) -> str:
    """Return the absolute URL of an API path (``/apps/...``)."""
    return f"{current_org().public_url}/api/v1{path}"


@api_bp.before_request
def authenticate() -> None:
    """Require ``Authorization: SSWS <token>``; writes need a Super Admin or Application Admin token."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme != "SSWS" or not token.strip():
        raise invalid_token()
    org = current_org()
    record = org.api_token(token.strip())
    if record is None:
        raise invalid_token()
    role = org.api_token_role(record)
    if not can_view_console(role) or (request.method not in READ_METHODS and not can_edit_apps(role)):
        raise forbidden()
    g.api_role = role


@api_bp.errorhandler(ApiError)
def _api_error(exc: ApiError) -> Response:
    return json_response(exc.body(), exc.status)


@api_bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> Response:
    if isinstance(exc, RequestEntityTooLarge):
        return _api_error(malformed("The request body is too large"))
    status = exc.code or 500
    return _api_error(ApiError(status, "E0000001" if status < 500 else "E0000009", exc.description or exc.name))


@api_bp.errorhandler(Exception)
def _unexpected(exc: Exception) -> Response:
    current_app.logger.exception("unexpected error in the mock Okta API")
    return _api_error(ApiError(500, "E0000009", "Internal Server Error"))


@api_bp.route("/<path:rest>", methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
def unknown(rest: str) -> Response:
    """Answer anything else as Okta does: 404 E0000007 for an unknown path, 405 E0000022 for a wrong method."""
    adapter = current_app.url_map.bind("")
    allowed = [m for m in ("GET", "POST", "PUT", "DELETE") if _routes_to_known(adapter, request.path, m)]
    if allowed:
        raise ApiError(405, "E0000022", "The endpoint does not support the provided HTTP method")
    raise ApiError(404, "E0000007", f"Not found: Resource not found: {request.path} ({request.method})")


def _routes_to_known(adapter: Any, path: str, method: str) -> bool:
    try:
        endpoint, _ = adapter.match(path, method=method)
    except HTTPException:
        return False
    return bool(endpoint != "api.unknown")


def read_json(*, required: bool = True) -> dict[str, Any]:
    """Return the request's JSON object, or raise Okta's 400 (wrong Content-Type, malformed, not an object)."""
    data = request.get_data(cache=True)
    if not data.strip():
        if required:
            raise malformed("The request body is empty")
        return {}
    if request.mimetype != "application/json":
        raise ApiError(400, "E0000021", BAD_MEDIA_TYPE)
    try:
        value = json.loads(data.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise malformed(type(exc).__name__) from None
    if not isinstance(value, dict):
        raise malformed("The request body must be a JSON object")
    return value


def _page_url(kept: list[tuple[str, str]], limit: int, after: str | None = None) -> str:
    # On the org's URL like every other href; Okta writes the cursor, then the page size
    # (`?after=00u...&limit=200`), and the self link names the limit it used even when the request gave none.
    query = [*kept, *([("after", after)] if after is not None else []), ("limit", str(limit))]
    return f"{current_org().public_url}{request.path}?{urlencode(query)}"


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not JSON")


def paginate(items: Sequence[T], key: Callable[[T], str], to_json: Callable[[T], Any], size: PageSize) -> Response:
    """Return one page of ``items`` as a JSON list, with ``Link`` headers as Okta sends them.

    ``limit`` defaults to and is cut at the endpoint's ``size``; ``after`` is the id of the previous page's last
    item. One ``Link`` header per relation: ``rel="self"`` always, ``rel="next"`` while more items follow.
    """
    raw_limit = request.args.get("limit")
    try:
        limit = size.default if raw_limit is None else int(raw_limit)
    except ValueError:
        raise validation_failed({"limit": "must be an integer"}) from None
    if limit < 1:
        raise validation_failed({"limit": "must be at least 1"})
    limit = min(limit, size.maximum)
    after = request.args.get("after")
    start = 0
    if after is not None:
        start = next((i + 1 for i, item in enumerate(items) if key(item) == after), len(items))
    page = list(items[start : start + limit])
    kept = [(k, v) for k, v in request.args.items(multi=True) if k not in ("limit", "after")]
    links = [f'<{_page_url(kept, limit, after)}>; rel="self"']
    if start + limit < len(items) and page:
        links.append(f'<{_page_url(kept, limit, key(page[-1]))}>; rel="next"')
    body = json.dumps([to_json(item) for item in page])
    return Response(body, mimetype="application/json", headers=[("Link", link) for link in links])
