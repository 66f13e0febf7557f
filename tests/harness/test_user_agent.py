"""The protocol user agent follows redirects, keeps cookies and submits forms as a browser would."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask, redirect, request, session

from saml_harness.agent.flows import Credentials, continue_flow
from saml_harness.agent.user_agent import FlowError, UserAgent
from saml_harness.deploy.live import LiveServer


def make_app() -> Flask:
    app = Flask(__name__)
    app.secret_key = "test"

    @app.get("/start")
    def start():  # type: ignore[no-untyped-def]
        return redirect("/form", 302)

    @app.get("/form")
    def form():  # type: ignore[no-untyped-def]
        return (
            '<html><form method="post" action="/signin"><input type="hidden" name="token" value="t1">'
            '<input name="username"><input name="password" type="password"></form></html>'
        )

    @app.post("/signin")
    def signin():  # type: ignore[no-untyped-def]
        if request.form.get("token") != "t1" or request.form.get("password") != "pw":
            return "<html><title>Unable to sign in</title></html>", 401
        session["who"] = request.form["username"]
        return redirect("/autopost", 303)

    @app.get("/autopost")
    def autopost():  # type: ignore[no-untyped-def]
        return (
            '<html><body onload="document.forms[0].submit()"><form method="post" action="/acs">'
            '<input type="hidden" name="SAMLResponse" value="PHg+PC94Pg=="><input type="hidden" name="RelayState"'
            ' value="/home"></form></body></html>'
        )

    @app.post("/acs")
    def acs():  # type: ignore[no-untyped-def]
        return redirect(request.form["RelayState"], 303)

    @app.get("/home")
    def home():  # type: ignore[no-untyped-def]
        return f'<html><span id="who">{session.get("who", "")}</span></html>'

    @app.get("/loop")
    def loop():  # type: ignore[no-untyped-def]
        return redirect("/loop", 302)

    return app


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    with LiveServer(make_app()) as live:
        yield live


def test_flow_signs_in_submits_auto_post_and_keeps_cookies(server: LiveServer) -> None:
    ua = UserAgent()
    page = continue_flow(ua, ua.get(f"{server.url}/start"), Credentials("kim", "pw"))
    assert page.url == f"{server.url}/home"
    assert page.find_text("who") == "kim"
    methods = [(h.method, h.status) for h in ua.trace.hops]
    assert methods == [("GET", 302), ("GET", 200), ("POST", 303), ("GET", 200), ("POST", 303), ("GET", 200)]
    assert ua.trace.last_response is not None and ua.trace.last_response.xml == b"<x></x>"


def test_wrong_password_stops_at_the_error_page(server: LiveServer) -> None:
    ua = UserAgent()
    page = continue_flow(ua, ua.get(f"{server.url}/start"), Credentials("kim", "bad"))
    assert page.status == 401 and page.title == "Unable to sign in"


def test_redirect_loop_is_reported(server: LiveServer) -> None:
    with pytest.raises(FlowError, match="redirects"):
        UserAgent().get(f"{server.url}/loop")
