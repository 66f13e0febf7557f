"""Paging as Okta does it: one ``Link`` header per relation, ``after`` cursors, each endpoint's default page size."""

from __future__ import annotations

import re

import pytest
from admin_support import api
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from mock_idp.model import SamlApp
from mock_idp.org import Org

LINK = re.compile(r'<(?P<url>[^>]+)>; rel="(?P<rel>[a-z]+)"')


def links(response: TestResponse) -> dict[str, str]:
    """Return each ``Link`` header's URL by relation (one header each, as Okta sends them)."""
    found = [LINK.fullmatch(value) for value in response.headers.getlist("Link")]
    assert all(found), response.headers.getlist("Link")
    return {m["rel"]: m["url"] for m in found if m}


def test_walking_next_links_returns_every_user_once(client: FlaskClient, org: Org, token: str) -> None:
    for n in range(5):
        org.add_user(f"person{n}@acme.test", "Person", str(n), "pw")
    path, seen, pages = "/users?limit=2", [], 0
    while True:
        response = api(client, "GET", path, token)
        assert response.status_code == 200
        page = response.get_json()
        seen += [u["id"] for u in page]
        pages += 1
        rels = links(response)
        assert len(response.headers.getlist("Link")) == len(rels), "one relation per Link header"
        assert "limit=2" in rels["self"]
        if "next" not in rels:
            break
        assert f"after={page[-1]['id']}&limit=2" in rels["next"]
        path = rels["next"].removeprefix(f"{org.public_url}/api/v1")
    assert sorted(seen) == sorted(u.id for u in org.users()) and len(seen) == len(set(seen)) == 9
    assert pages == 5


@pytest.mark.parametrize(
    ("path", "default", "maximum"),
    [
        ("/users", 200, 200),
        ("/groups", 10000, 10000),
        ("/apps", 20, 200),
        ("/apps/{app}/users", 50, 500),
        ("/apps/{app}/groups", 20, 200),
        ("/groups/{everyone}/users", 1000, 1000),
        ("/groups/{everyone}/apps", 20, 200),
    ],
)
def test_each_endpoint_has_oktas_page_size(
    client: FlaskClient, org: Org, token: str, justcall: SamlApp, path: str, default: int, maximum: int
) -> None:
    path = path.format(app=justcall.id, everyone=org.everyone_group().id)
    assert f"limit={default}" in links(api(client, "GET", path, token))["self"]
    assert f"limit={maximum}" in links(api(client, "GET", f"{path}?limit={maximum * 10}", token))["self"]


def test_the_self_link_keeps_the_cursor_and_the_search(client: FlaskClient, org: Org, token: str) -> None:
    first = org.users()[0]
    rels = links(api(client, "GET", f"/users?q=a&after={first.id}", token))
    assert rels["self"] == f"{org.public_url}/api/v1/users?q=a&after={first.id}&limit=200"
