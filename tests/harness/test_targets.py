"""Target files load with clear errors, and SP metadata gives the ACS URL and Entity ID."""

from __future__ import annotations

from pathlib import Path

import pytest

from saml_harness.deploy.targets import TargetError, load_target, sp_from_metadata

EXAMPLE = Path("fixtures/targets/example-staging.toml")

SP_METADATA = b"""<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://sp.example/sso">
<md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
<md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
  Location="https://x/redir" index="0"/>
<md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
  Location="https://sp.example/acs" index="1"/>
</md:SPSSODescriptor></md:EntityDescriptor>"""


def test_example_target_loads() -> None:
    spec = load_target(EXAMPLE)
    assert spec.name == "staging"
    assert spec.target.acs_url == "https://staging.justcall.example/sso/saml/acme/acs"
    assert spec.target.sp_url == "https://staging.justcall.example"
    assert spec.target.me_url == "https://staging.justcall.example/api/me"
    assert spec.target.login_mode == "form" and not spec.target.bundled
    assert spec.launch is None and spec.expectations == "staging"


def test_sp_metadata_gives_the_post_acs_and_entity_id() -> None:
    assert sp_from_metadata(SP_METADATA) == ("https://sp.example/acs", "https://sp.example/sso")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('name = "x"\n[login]\nurl = "https://sp/login"\n[identity]\nurl = "https://sp/me"\n', "acs_url and entity_id"),
        ('name = "x"\nacs_url = "a"\nentity_id = "e"\n[identity]\nurl = "https://sp/me"\n', "url is required"),
        ('name = "x"\nacs_url = "a"\nentity_id = "e"\n[login]\nurl = "https://sp/l"\n', "[identity] url"),
        ('name = "x"\nacsurl = "a"\n', "unknown keys"),
        ('name = "x"\nacs_url = "a"\nentity_id = "e"\n[login]\nurl = "sp/login"\n[identity]\nurl = "u"\n', "absolute"),
        ("name = = 1", "Invalid"),
        (
            'name = "x"\nacs_url = "a"\nentity_id = "e"\n[login]\nurl = "https://s/l"\nmode = "carrier pigeon"\n'
            '[identity]\nurl = "u"\n',
            "mode",
        ),
        (
            'name = "x"\nacs_url = "a"\nentity_id = "e"\n[login]\nurl = "https://s/l"\n[identity]\nurl = "u"\n'
            '[launch]\ncommand = "run me"\nready_url = "http://127.0.0.1:1/"\n',
            "command",
        ),
    ],
)
def test_bad_target_files_say_what_is_wrong(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "t.toml"
    path.write_text(text)
    with pytest.raises(TargetError, match=message.replace("[", r"\[")):
        load_target(path)


def test_metadata_that_is_not_xml_is_refused() -> None:
    with pytest.raises(TargetError, match="not XML"):
        sp_from_metadata(b"<nope")
