"""The demo data is the same on every machine and casts every part the suites need."""

from saml_harness.deploy.demo import CAST, build_demo


def test_demo_is_deterministic() -> None:
    assert build_demo() == build_demo()


def test_demo_changes_with_the_seed() -> None:
    assert build_demo(1).people != build_demo(2).people


def test_every_part_is_cast_once_with_unique_emails() -> None:
    demo = build_demo()
    assert len(demo.people) == len(CAST)
    assert len({p.email for p in demo.people}) == len(CAST)
    assert all(p.email.endswith("@acme.example") for p in demo.people)


def test_assignment_follows_the_cast() -> None:
    demo = build_demo()
    assert demo.person("assigned").assigned
    assert demo.person("group_member").assigned and not demo.person("group_member").assigned_directly
    assert not demo.person("unassigned").assigned
    assert not demo.person("outsider").assigned
    assert demo.person("deactivated").status == "DEACTIVATED"


def test_the_existing_justcall_user_is_an_okta_person_with_a_non_default_role() -> None:
    demo = build_demo()
    assert demo.existing_user.email == demo.person("existing").email
    assert demo.existing_user.role != demo.default_role
    assert demo.owner.is_owner and demo.owner.password
