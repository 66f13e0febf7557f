"""The collapsed-stack summarizer used for reports/profiles/."""

from __future__ import annotations

from bench import flame

LINES = [
    "main (app.py:1);view (views.py:10);query (site-packages/sqlalchemy/orm.py:5) 6",
    "main (app.py:1);view (views.py:11);render (templates.py:3) 3",
    "main (app.py:1);_find_and_load (<frozen importlib._bootstrap>:1) 5",
    "garbage line",
    "",
]


def test_parse_keys_frames_by_function_and_drops_excluded_stacks() -> None:
    stacks = flame.parse(LINES, exclude=("_find_and_load",))
    assert [s.count for s in stacks] == [6, 3]
    assert stacks[0].frames[-1] == "query (sqlalchemy/orm.py)"
    assert stacks[0].frames[1] == stacks[1].frames[1] == "view (views.py)"


def test_inclusive_self_and_below() -> None:
    stacks = flame.parse(LINES, exclude=("_find_and_load",))
    assert flame.inclusive(stacks)["view (views.py)"] == 9
    assert flame.own(stacks)["render (templates.py)"] == 3
    assert flame.below(stacks, "view") == {"query (sqlalchemy/orm.py)": 6, "render (templates.py)": 3}


def test_report_has_shares() -> None:
    text = flame.report(flame.parse(LINES), "title", anchors=("view",), note="a note")
    assert "samples: 14" in text
    assert "64.3%  view (views.py)" in text
    assert "under view" in text and "a note" in text
