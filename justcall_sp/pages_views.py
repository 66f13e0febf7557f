"""Serve the landing page and a few signed-in pages that RelayState deep links can point at."""

from __future__ import annotations

from flask import Blueprint, render_template

from justcall_sp.current_user import current_user, facade, login_required

bp = Blueprint("pages", __name__)


@bp.get("/")
def index() -> str:
    user = current_user()
    account = facade().get_account(user.account) if user else None
    return render_template("index.html", user=user, account_name=account.name if account else "")


def _page(name: str) -> str:
    return render_template("page.html", user=current_user(), page_name=name)


@bp.get("/calls")
@login_required
def calls() -> str:
    return _page("Calls")


@bp.get("/contacts")
@login_required
def contacts() -> str:
    return _page("Contacts")
