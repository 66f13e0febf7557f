"""Evaluate the app's Group Attribute Statements over the person's groups (pure), as Okta emits them.

One ``saml2:Attribute`` per statement with one ``AttributeValue`` per matching group (okta-fidelity.md 1.3:
multi-valued attributes are several AttributeValue children), after the app's Attribute Statements. A
statement whose filter matches none of the person's groups is left out of the assertion altogether.
Matching is case-sensitive; "Matches regex" must match the whole group name (Java ``String.matches``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from mock_idp.admin.records import GROUP_FILTERS, GroupAttributeStatement
from mock_idp.assertion import Attribute
from mock_idp.model import NAME_FORMATS


def group_matches(statement: GroupAttributeStatement, group_name: str) -> bool:
    """Return whether ``group_name`` passes the statement's filter (Starts with, Equals, Contains, Matches regex)."""
    value = statement.filter_value
    if statement.filter_type == "STARTS_WITH":
        return group_name.startswith(value)
    if statement.filter_type == "EQUALS":
        return group_name == value
    if statement.filter_type == "CONTAINS":
        return value in group_name
    if statement.filter_type == "REGEX":
        try:
            return re.fullmatch(value, group_name) is not None
        except re.error:
            return False
    raise ValueError(f"filter type must be one of {sorted(GROUP_FILTERS)}, got {statement.filter_type!r}")


def group_attributes(
    statements: Iterable[GroupAttributeStatement], group_names: Iterable[str]
) -> tuple[Attribute, ...]:
    """Return the group attributes to add to the assertion (statements that match nothing are left out)."""
    names = sorted(set(group_names))
    attributes = []
    for statement in statements:
        matching = tuple(name for name in names if group_matches(statement, name))
        if matching:
            name_format = NAME_FORMATS.get(statement.name_format.lower(), statement.name_format)
            attributes.append(Attribute(name=statement.name, name_format=name_format, values=matching))
    return tuple(attributes)
