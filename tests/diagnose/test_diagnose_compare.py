"""Identifier mismatches are explained as the one thing a person has to change."""

from __future__ import annotations

import pytest

from saml_harness.diagnose.compare import differences

A, E = "Audience", "JustCall's Entity ID"


@pytest.mark.parametrize(
    ("actual", "expected", "sentence"),
    [
        (
            "https://x.example/saml/",
            "https://x.example/saml",
            "Audience has a trailing slash that JustCall's Entity ID does not have",
        ),
        (
            "https://x.example/saml",
            "https://x.example/saml/",
            "JustCall's Entity ID has a trailing slash that Audience does not have",
        ),
        (
            "https://x.example",
            "https://x.example/",
            "JustCall's Entity ID has a trailing slash that Audience does not have",
        ),
        (
            "http://x.example/saml",
            "https://x.example/saml",
            "Audience uses http:// where JustCall's Entity ID uses https://",
        ),
        (
            "https://X.example/saml",
            "https://x.example/saml",
            "the host differs in letter case ('X.example' vs 'x.example')",
        ),
        ("https://x.example/SAML", "https://x.example/saml", "the path differs in letter case ('/SAML' vs '/saml')"),
        (
            "https://x.example:8443/saml",
            "https://x.example/saml",
            "Audience has port 8443 where JustCall's Entity ID has no port",
        ),
        ("https://y.example/saml", "https://x.example/saml", "the host differs: Audience has 'y.example' where"),
        ("https://x.example/saml?a=1", "https://x.example/saml", "Audience has a query string 'a=1'"),
        ('"123"', "123", "Audience is wrapped in double quotes that JustCall's Entity ID does not have"),
        ("JustCall ", "JustCall", "Audience has trailing whitespace"),
        ("justcall", "JustCall", "they differ only in letter case, first at character 1 ('j' vs 'J')"),
        ("JustCall/", "JustCall", "Audience has a trailing slash that JustCall's Entity ID does not have"),
        ("urn:acme:sp", "urn:acme:idp", "they differ from character 10: Audience continues 'sp'"),
    ],
)
def test_difference_is_named(actual: str, expected: str, sentence: str) -> None:
    assert any(sentence in d for d in differences(actual, expected, A, E)), differences(actual, expected, A, E)


def test_equal_values_have_no_difference() -> None:
    assert differences("https://x.example/saml", "https://x.example/saml", A, E) == []


def test_several_differences_are_all_named() -> None:
    found = differences("http://x.example/SAML/", "https://x.example/saml", A, E)
    assert found == [
        "Audience uses http:// where JustCall's Entity ID uses https://",
        "Audience has a trailing slash that JustCall's Entity ID does not have",
        "the path differs in letter case ('/SAML' vs '/saml')",
    ]
