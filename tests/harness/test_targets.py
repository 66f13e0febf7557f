"""Target files load into Target/Claims, every mistake is one error naming its key, and SP metadata gives the ACS."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from saml_harness.agent.flows import Claims
from saml_harness.deploy.live import LiveServer
from saml_harness.deploy.targets import (
    PLACEHOLDERS,
    SCHEMA,
    TargetError,
    load_target,
    preflight,
    sp_from_metadata,
)
from saml_harness.deploy.trust import create_trust_app
from saml_harness.scenarios.catalogue import load_expectations

EXAMPLE = Path("fixtures/targets/example-staging.toml")
STRANGER = Path("tests/strangers/python3_saml/target.toml")

SP_METADATA = b"""<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://sp.example/sso">
<md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
<md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
  Location="https://x/redir" index="0"/>
<md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
  Location="https://sp.example/acs" index="1"/>
</md:SPSSODescriptor></md:EntityDescriptor>"""

MINIMAL = 'name = "x"\nacs_url = "https://sp/acs"\nentity_id = "e"\n[login]\nurl = "https://sp/l"\n[identity]\nurl = "https://sp/me"\n'


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "t.toml"
    path.write_text(text)
    return path


def test_example_target_loads_with_profile_and_claims() -> None:
    spec = load_target(EXAMPLE)
    assert spec.name == "staging" and spec.profile == "justcall"
    assert spec.target.acs_url == "https://staging.justcall.example/sso/saml/acme/acs"
    assert spec.target.sp_url == "https://staging.justcall.example"
    assert spec.target.me_url == "https://staging.justcall.example/api/me"
    assert spec.target.login_mode == "form" and not spec.target.bundled
    assert spec.launch is None and spec.trust is None and spec.expectations == "staging"
    assert spec.target.claims == Claims()


def test_example_target_documents_every_key_and_placeholder() -> None:
    text = EXAMPLE.read_text()
    for table, keys in SCHEMA.items():
        if table:
            assert re.search(rf"^#? ?\[{table}\]", text, re.M), table
        for key in keys:
            assert re.search(rf"^#? ?{key} = ", text, re.M) or f" {key} = " in text, (table, key)
    for name in PLACEHOLDERS:
        assert "{" + name + "}" in text, name


def test_claims_and_profile_reach_the_target(tmp_path: Path) -> None:
    text = MINIMAL.replace(
        'entity_id = "e"\n',
        'entity_id = "e"\nprofile = "saml2-sp"\n[claims]\nclock_skew_s = 180\nrequired_attributes = ["email"]\n'
        "signed_response_required = true\nsha1_accepted = true\nidp_initiated_allowed = false\n",
    )
    spec = load_target(write(tmp_path, text))
    assert spec.target.profile == "saml2-sp"
    assert spec.target.claims == Claims(
        clock_skew_s=180,
        required_attributes=("email",),
        signed_response_required=True,
        sha1_accepted=True,
        idp_initiated_allowed=False,
    )
    assert not spec.allow_idp_initiated


def test_an_old_file_is_justcall_and_its_allow_idp_initiated_becomes_the_claim(tmp_path: Path) -> None:
    spec = load_target(write(tmp_path, "allow_idp_initiated = false\n" + MINIMAL))
    assert spec.profile == "justcall"
    assert spec.target.claims.idp_initiated_allowed is False


def test_logout_method_and_launch_cwd_env_timeout(tmp_path: Path) -> None:
    (tmp_path / "sp").mkdir()
    text = MINIMAL + (
        '[logout]\nurl = "https://sp/out"\nmethod = "GET"\n'
        '[launch]\ncommand = ["{python}", "-m", "sp", "{idp_metadata_url}"]\nready_url = "http://127.0.0.1:1/"\n'
        'cwd = "sp"\ntimeout_s = 5\nenv = { SP_ISSUER = "{idp_issuer}" }\n'
    )
    spec = load_target(write(tmp_path, text))
    assert spec.target.logout_method == "GET"
    assert spec.launch is not None
    assert spec.launch.cwd == (tmp_path / "sp").resolve()
    assert spec.launch.timeout_s == 5 and spec.launch.env == (("SP_ISSUER", "{idp_issuer}"),)


def test_launch_cwd_defaults_to_the_target_files_folder_and_the_stranger_names_the_repo_root(tmp_path: Path) -> None:
    text = MINIMAL + '[launch]\ncommand = ["sp"]\nready_url = "http://127.0.0.1:1/"\n'
    spec = load_target(write(tmp_path, text))
    assert spec.launch is not None and spec.launch.cwd == tmp_path.resolve()
    stranger = load_target(STRANGER)
    assert stranger.launch is not None and stranger.launch.cwd == Path.cwd().resolve()
    assert stranger.trust is not None and stranger.trust.mode == "metadata_url"


def test_expectations_beside_the_target_file_are_read_from_there(tmp_path: Path) -> None:
    known = '[xfail."audience.trailing_slash"]\nclass = "must_violation"\nreason = "our SP trims slashes"\n'
    (tmp_path / "known.toml").write_text(known)
    spec = load_target(write(tmp_path, 'expectations = "known.toml"\n' + MINIMAL))
    assert spec.expectations == str((tmp_path / "known.toml").resolve())
    assert load_expectations(spec.expectations)["audience.trailing_slash"].reason == "our SP trims slashes"
    assert load_target(write(tmp_path, 'expectations = "stranger"\n' + MINIMAL)).expectations == "stranger"


def test_idp_state_and_trust_are_read(tmp_path: Path) -> None:
    text = (
        'profile = "justcall"\n'
        + MINIMAL
        + ('[idp]\nstate = "idp-state"\n[trust]\nmode = "command"\ncommand = ["./push", "{idp_certificate_file}"]\n')
    )
    spec = load_target(write(tmp_path, text))
    assert spec.idp_state == (tmp_path / "idp-state").resolve()
    assert spec.trust is not None and spec.trust.command == ("./push", "{idp_certificate_file}")


BAD = [
    ("name = = 1", "Invalid"),
    ('acsurl = "a"\n' + MINIMAL, "unknown key 'acsurl'"),
    (MINIMAL + "[claims]\nskew = 3\n", r"unknown key '\[claims\] skew'"),
    (MINIMAL.replace('name = "x"\n', ""), "name is required"),
    (MINIMAL.replace('[login]\nurl = "https://sp/l"\n', ""), r"\[login\] url is required"),
    (MINIMAL.replace('acs_url = "https://sp/acs"\n', ""), "acs_url and entity_id"),
    (MINIMAL.replace('url = "https://sp/l"', 'url = "sp/login"'), r"\[login\] url must be an absolute http\(s\) URL"),
    (MINIMAL.replace('"https://sp/acs"', '"ftp://sp/acs"'), "acs_url must be an absolute"),
    (
        'profile = "justcall"\n' + MINIMAL + '[claims]\nclock_skew_s = "90"\n',
        r"\[claims\] clock_skew_s must be a whole",
    ),
    ('profile = "justcall"\n' + MINIMAL + "[claims]\nsha1_accepted = 1\n", r"\[claims\] sha1_accepted must be true"),
    ('profile = "okta"\n' + MINIMAL, 'profile must be "justcall"'),
    (MINIMAL + "[claims]\nclock_skew_s = 90\n", r"profile is required with \[claims\]"),
    (MINIMAL + 'mode = "carrier pigeon"\n', r"\[identity\] mode|unknown key"),
    (MINIMAL.replace('url = "https://sp/l"\n', 'url = "https://sp/l"\nmode = "pigeon"\n'), r"\[login\] mode must be"),
    (MINIMAL + '[logout]\nurl = "https://sp/o"\nmethod = "DELETE"\n', r"\[logout\] method must be"),
    (MINIMAL + '[launch]\ncommand = "run me"\nready_url = "http://127.0.0.1:1/"\n', r"\[launch\] command must be"),
    (MINIMAL + '[launch]\nready_url = "http://127.0.0.1:1/"\n', r"\[launch\] command is required"),
    (MINIMAL + '[launch]\ncommand = ["x", "{nope}"]\nready_url = "http://h/"\n', "unknown placeholder {nope}"),
    (MINIMAL + '[launch]\ncommand = ["x"]\nready_url = "http://h/"\ncwd = "missing"\n', "cwd 'missing' is not"),
    (MINIMAL + '[launch]\ncommand = ["x"]\nready_url = "http://h/"\ntimeout_s = 0\n', r"timeout_s must be"),
    ('profile = "justcall"\n' + MINIMAL + '[trust]\nmode = "command"\n', r"\[trust\] command is required"),
    ('profile = "justcall"\n' + MINIMAL + '[trust]\nmode = "restart"\n', r"needs a \[launch\]"),
    ('profile = "justcall"\n' + MINIMAL + '[trust]\nmode = "email"\n', r"\[trust\] mode must be"),
    ('expectations = "nope.toml"\n' + MINIMAL, "expectations file 'nope.toml' not found"),
    ("login = 3\n" + MINIMAL.replace('[login]\nurl = "https://sp/l"\n', ""), r"\[login\] must be a table"),
    (
        "allow_idp_initiated = true\nprofile = 'justcall'\n" + MINIMAL + "[claims]\nidp_initiated_allowed = false\n",
        "disagree",
    ),
]


@pytest.mark.parametrize(("text", "message"), BAD)
def test_bad_target_files_are_one_error_naming_the_key(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(TargetError, match=message) as raised:
        load_target(path)
    assert str(raised.value).startswith(f"{path}: ") and "\n" not in str(raised.value).split("\n", 1)[0]


def test_sp_metadata_gives_the_post_acs_and_entity_id() -> None:
    assert sp_from_metadata(SP_METADATA) == ("https://sp.example/acs", "https://sp.example/sso")


def test_metadata_that_is_not_xml_is_refused() -> None:
    with pytest.raises(TargetError, match="not XML"):
        sp_from_metadata(b"<nope")


def test_preflight_passes_a_live_sp_and_names_the_dead_url(tmp_path: Path) -> None:
    with LiveServer(create_trust_app(tmp_path), "127.0.0.1") as server:
        live = MINIMAL.replace("https://sp/l", f"{server.url}/login").replace("https://sp/acs", f"{server.url}/acs")
        preflight(load_target(write(tmp_path, live)))  # 404s are answers: the SP is up
        dead_url = server.url
    dead = MINIMAL.replace("https://sp/l", f"{dead_url}/login").replace("https://sp/acs", f"{dead_url}/acs")
    with pytest.raises(TargetError, match=rf"\[login\] url {re.escape(dead_url)}/login does not answer") as raised:
        preflight(load_target(write(tmp_path, dead)), timeout_s=2)
    assert "\n" not in str(raised.value)
