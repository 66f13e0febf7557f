"""Okta-shaped ids: 20 characters, a type prefix, and a tail every id of one org shares (stable with its seed)."""

from __future__ import annotations

from random import Random

from mock_idp.ids import IdFactory
from mock_idp.org import Org


def _org(seed: int) -> Org:
    org = Org("acme", rng=Random(seed))
    org.add_user("ann@acme.test", "Ann", "Lee", "pw")
    org.add_group("Sales")
    org.create_saml_app("JustCall", "https://sp.example/acs", "urn:sp")
    return org


def _ids(org: Org) -> list[str]:
    app = org.apps()[0]
    return [
        org.org_id,
        org.user_type_id,
        *(u.id for u in org.users()),
        *(g.id for g in org.groups()),
        app.id,
        app.external_key,
        app.link_id,
    ]


def test_every_id_of_an_org_ends_with_its_tail() -> None:
    """Real orgs: `...4x6` throughout okta-sdk-python's TestApplicationsResource cassettes."""
    org = _org(5)
    ids = _ids(org)
    tail = ids[0][-3:]
    assert tail[0].isdigit() and tail[2].isdigit() and (tail[1].isdigit() or tail[1].islower())
    assert all(len(i) == 20 and i.endswith(tail) for i in ids), ids
    assert [i[:3] for i in ids] == ["00o", "oty", "00u", "00g", "00g", "0oa", "exk", "aln"]


def test_a_seeded_org_mints_the_same_ids_and_another_seed_others() -> None:
    assert _ids(_org(5)) == _ids(_org(5))
    tails = {_org(seed).org_id[-3:] for seed in range(8)}
    assert len(tails) > 1, "the tail is per org, not a constant"


def test_the_orgs_own_ids_do_not_move_the_other_ids() -> None:
    """The org, its user type and Everyone come from a second stream: SAML IDs of a seed stay as they were."""
    plain = IdFactory(Random(7))
    expected = plain.saml_ids()
    with_org_ids = IdFactory(Random(7))
    with_org_ids.org_object_id("00o")
    with_org_ids.org_object_id("oty")
    assert with_org_ids.saml_ids() == expected
