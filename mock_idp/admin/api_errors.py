"""Build the Admin API's error bodies in Okta's shape (errorCode, errorSummary, errorCauses) for Okta clients."""

from __future__ import annotations

import secrets
import string
from collections.abc import Mapping, Sequence
from typing import Any

_ALNUM = string.ascii_letters + string.digits

INVALID_TOKEN = "Invalid token provided"
NO_PERMISSION = "You do not have permission to perform the requested action"
NOT_WELL_FORMED = "The request body was not well-formed."
# Okta's E0000021 text; the HTTP status it comes with is not documented (400 here).
BAD_MEDIA_TYPE = "Bad request. Accept and/or Content-Type headers likely do not match supported values."
VALIDITY_YEARS = "Validity years out of range. It should be 2 - 10 years."


class ApiError(Exception):
    """An Okta API error: raise it from a view and the blueprint answers with Okta's JSON body."""

    def __init__(self, status: int, code: str, summary: str, causes: Sequence[str] = ()) -> None:
        super().__init__(f"{code} {summary}")
        self.status = status
        self.code = code
        self.summary = summary
        self.causes = tuple(causes)

    def body(self) -> dict[str, Any]:
        """Return the JSON body, with a fresh ``errorId`` as Okta gives each error."""
        return {
            "errorCode": self.code,
            "errorSummary": self.summary,
            "errorLink": self.code,
            "errorId": "oae" + "".join(secrets.choice(_ALNUM) for _ in range(22)),
            "errorCauses": [{"errorSummary": cause} for cause in self.causes],
        }


def invalid_token() -> ApiError:
    """401 E0000011: no, malformed or unknown SSWS token."""
    return ApiError(401, "E0000011", INVALID_TOKEN)


def forbidden() -> ApiError:
    """403 E0000006: the token's admin may not do this."""
    return ApiError(403, "E0000006", NO_PERMISSION)


def not_found(resource_id: str, kind: str) -> ApiError:
    """404 E0000007 in Okta's wording: ``Not found: Resource not found: {id} ({kind})``."""
    return ApiError(404, "E0000007", f"Not found: Resource not found: {resource_id} ({kind})")


def validation_failed(errors: Mapping[str, str]) -> ApiError:
    """400 E0000001 with one cause per field: ``Api validation failed: {field}``."""
    fields = ", ".join(errors)
    return ApiError(400, "E0000001", f"Api validation failed: {fields}", [f"{f}: {m}" for f, m in errors.items()])


def malformed(detail: str | None = None) -> ApiError:
    """400 E0000003: the body is not a JSON object (or not readable)."""
    return ApiError(400, "E0000003", NOT_WELL_FORMED, [detail] if detail else [])
