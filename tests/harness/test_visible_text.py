"""An SP's refusal is recorded as a person reads it: the failure element, else the page's visible text."""

from __future__ import annotations

from saml_harness.agent.flows import SAID_LIMIT, visible_text
from saml_harness.agent.user_agent import Page


def page(body: str, content_type: str = "text/html") -> Page:
    return Page(url="http://sp/acs", status=400, text=body, headers={"Content-Type": content_type})


def test_visible_text_skips_scripts_styles_and_the_head() -> None:
    html = (
        "<html><head><title>T</title><style>p{color:red}</style></head>"
        "<body><script>var x = 1;</script><h1>Bad   request</h1>\n<p>SAMLResponse\\n is missing</p></body></html>"
    )
    assert visible_text(page(html)) == "Bad request SAMLResponse\\n is missing"


def test_visible_text_of_a_plain_answer_is_its_text_trimmed() -> None:
    assert visible_text(page("  invalid\n  response ", "text/plain")) == "invalid response"
    long = visible_text(page("x" * 1000, "text/plain"))
    assert len(long) == SAID_LIMIT and long.endswith("…")
