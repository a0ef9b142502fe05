"""A recovery notice by signed link (issue 20; PAY-07, PAY-10), through the gateway as a family and a caseworker
would: casework issues a link to one notice; the family opens it with no token, reads it in the order they need it
and challenges it once from the page (a second post records nothing new); another notice's link, an expired,
revoked or altered one opens nothing; another LA's caseworker cannot issue one."""
from __future__ import annotations

import base64
import uuid
from datetime import date, datetime, timedelta

import jwt
import pytest

from kit.family import DEV_FAMILY_LINK_SECRET
from kit.money import pounds
from kit.settings import PlatformSettings
from services.payments.settings import PaymentsSettings
from tests.family.test_family_links import assert_altered_copies_open_nothing
from tests.payments.helpers import agreed_through_gateway, run, set_payee, sign

TODAY = date(2026, 11, 2)
PATH = "/v1/payments/family/"


async def recovery_notice(platform, clock) -> tuple[dict, dict]:
    """An agreement of £5,200 a year paid once, audited with £1,000 held: a recovery notice of the surplus (PAY-06)
    issued to the family; the notice and the agreement."""
    clock.set_to(TODAY, tick=True)
    admin = await platform.token("dev-admin")
    child = f"C-{uuid.uuid4().hex[:8]}"
    agreement = await agreed_through_gateway(platform.client, admin, child=child, start=TODAY,
                                             end=date(2027, 11, 1), direct_payment_pence=520_000)
    await set_payee(platform.client, agreement["id"], name="Sam Parent", headers=admin)
    await sign(platform.client, agreement["id"], TODAY, headers=admin)
    await run(platform.client, TODAY, headers=admin)
    r = await platform.client.post(f"/v1/payments/agreements/{agreement['id']}/audits", headers=admin, json={
        "period_end": str(TODAY), "balance_held_pence": 100_000, "outstanding_commitments_pence": 0})
    assert r.status_code == 201, r.text
    assert r.json()["recovery"] is not None, r.text
    return r.json()["recovery"], agreement


async def issue(platform, recovery_id: str, key: str | None = None, **body) -> dict:
    headers = {**await platform.token("dev-casework"), **({"Idempotency-Key": key} if key else {})}
    r = await platform.client.post(f"/v1/payments/recoveries/{recovery_id}/family-links", headers=headers, json=body)
    assert r.status_code == 201, r.text
    return r.json()


def path_of(link: dict) -> str:
    return link["url"].removeprefix("http://127.0.0.1:8000")


async def links_of(platform, recovery_id: str) -> dict[str, dict]:
    r = await platform.client.get(f"/v1/payments/recoveries/{recovery_id}/family-links",
                                  headers=await platform.token("dev-casework"))
    assert r.status_code == 200, r.text
    return {link["id"]: link for link in r.json()["items"]}


async def test_PAY_07_the_family_opens_the_recovery_notice_from_its_link_in_the_order_they_need_it(platform, clock):
    recovery, agreement = await recovery_notice(platform, clock)
    link = await issue(platform, recovery["id"])
    assert (link["document"], link["document_id"], link["agreement_id"]) == (
        "recovery_notice", recovery["id"], agreement["id"])
    assert datetime.fromisoformat(link["expires_at"]) - datetime.fromisoformat(link["issued_at"]) == timedelta(days=28)
    page = await platform.client.get(path_of(link), headers={"Accept": "text/html"})  # no Authorization header
    assert page.status_code == 200, page.text
    assert page.headers["cache-control"] == "no-store" and page.headers["referrer-policy"] == "no-referrer"
    text = page.text
    order = [text.index(h) for h in ("What the money is", "What was paid", "What is left", "What you can do next")]
    assert order == sorted(order)
    # PAY-07: reasons, amount, deadline and who must repay, in plain English.
    assert f"We are asking for {pounds(recovery['amount_pence'])} back from Sam Parent (parent)" in text
    assert "Nothing is taken back before 30 November 2026" in text
    assert "£1,000.00 held" in text
    assert f'action="{path_of(link)}/challenge"' in text
    pdf = await platform.client.get(path_of(link) + ".pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    logged = (await links_of(platform, recovery["id"]))[link["id"]]
    assert [(o["format"], o["outcome"]) for o in logged["openings"]] == [("pdf", "opened"), ("html", "opened")]


async def test_PAY_07_the_family_challenges_once_from_the_page_and_a_second_post_records_nothing_new(
        platform, clock):
    recovery, _ = await recovery_notice(platform, clock)
    link = await issue(platform, recovery["id"])
    action = path_of(link) + "/challenge"
    first = await platform.client.post(action, data={"grounds": "The £1,000 is for the summer holiday PA hours"},
                                       headers={"Accept": "text/html"})
    assert first.status_code == 201 and "We have your challenge" in first.text
    again = await platform.client.post(action, data={"grounds": "Sent twice"})
    assert again.status_code == 200 and again.json()["again"] is True and again.json()["status"] == "challenged"
    read = (await platform.client.get(f"/v1/payments/recoveries/{recovery['id']}",
                                      headers=await platform.token("dev-casework"))).json()
    assert read["status"] == "challenged" and "summer holiday PA hours" in read["challenge_grounds"]
    assert "Sent twice" not in read["challenge_grounds"]
    assert (await links_of(platform, recovery["id"]))[link["id"]]["acted_at"] is not None
    page = (await platform.client.get(path_of(link))).text
    assert "You challenged this notice from this page" in page and 'action="' not in page


async def test_PAY_07_a_challenge_after_the_window_is_a_409_page_never_a_500(platform, clock):
    recovery, _ = await recovery_notice(platform, clock)
    link = await issue(platform, recovery["id"], expires_in_days=60)
    clock.set_to(date.fromisoformat(recovery["challenge_by"]) + timedelta(days=1), tick=True)
    r = await platform.client.post(path_of(link) + "/challenge", data={"grounds": "Late"},
                                   headers={"Accept": "text/html"})
    assert r.status_code == 409 and "cannot be challenged now" in r.text
    assert 'action="' not in (await platform.client.get(path_of(link))).text  # no form once the window closed


async def test_expired_revoked_and_tampered_recovery_links_are_refused_with_a_clear_page(platform, clock):
    recovery, _ = await recovery_notice(platform, clock)
    short, revoked = await issue(platform, recovery["id"], expires_in_days=1), await issue(platform, recovery["id"])
    casework = await platform.token("dev-casework")
    r = await platform.client.post(f"/v1/payments/recoveries/{recovery['id']}/family-links/{revoked['id']}/revoke",
                                   headers=casework)
    assert r.status_code == 200 and r.json()["status"] == "revoked"
    again = await platform.client.post(
        f"/v1/payments/recoveries/{recovery['id']}/family-links/{revoked['id']}/revoke", headers=casework)
    assert again.status_code == 409
    gone = await platform.client.get(path_of(revoked), headers={"Accept": "text/html"})
    assert gone.status_code == 410 and "This link has been withdrawn" in gone.text
    assert (await platform.client.post(path_of(revoked) + "/challenge", data={"grounds": "x"})).status_code == 410
    clock.set_to(datetime.fromisoformat(short["expires_at"]) + timedelta(minutes=1), tick=True)
    expired = await platform.client.get(path_of(short))
    assert expired.status_code == 410 and expired.json()["title"] == "This link has expired"
    token = path_of(short).rsplit("/", 1)[1]
    await assert_altered_copies_open_nothing(platform, PATH, token, "challenge", {"grounds": "x"})
    logged = await links_of(platform, recovery["id"])
    assert [o["outcome"] for o in logged[short["id"]]["openings"]] == ["expired"]


async def test_a_token_naming_another_notice_opens_nothing_and_another_la_cannot_issue_or_list(platform, clock):
    mine, _ = await recovery_notice(platform, clock)
    theirs, _ = await recovery_notice(platform, clock)
    link = await issue(platform, mine["id"])
    claims = jwt.decode(path_of(link).rsplit("/", 1)[1], DEV_FAMILY_LINK_SECRET, algorithms=["HS256"],
                        audience="sendpb-family", options={"verify_exp": False})
    forged = jwt.encode({**claims, "did": theirs["id"]}, DEV_FAMILY_LINK_SECRET, algorithm="HS256")
    assert (await platform.client.get(f"{PATH}{forged}")).status_code == 404
    # A budget's token is not a payments token (another issuer), even under the same dev secret.
    assert (await platform.client.get(f"{PATH}{jwt.encode({**claims, 'iss': 'sendpb-budget'}, DEV_FAMILY_LINK_SECRET)}"
                                      )).status_code == 404
    # The link of one notice under the other notice's path: no such link there.
    r = await platform.client.post(f"/v1/payments/recoveries/{theirs['id']}/family-links/{link['id']}/revoke",
                                   headers=await platform.token("dev-casework"))
    assert r.status_code == 404
    other = await platform.token("dev-other-la")
    assert (await platform.client.post(f"/v1/payments/recoveries/{mine['id']}/family-links", headers=other,
                                       json={})).status_code == 404
    assert (await platform.client.get(f"/v1/payments/recoveries/{mine['id']}/family-links",
                                      headers=other)).status_code == 404
    # Without a token, casework's own routes are a 401: only the family's pages are let through.
    assert (await platform.client.get(f"/v1/payments/recoveries/{mine['id']}/family-links")).status_code == 401


@pytest.mark.parametrize("body, field", [({"expires_in_days": 91}, "expires_in_days"),
                                         ({"expires_on": "2026-11-01"}, "expires_on")])
async def test_a_recovery_link_beyond_90_days_or_in_the_past_is_a_422_naming_the_field(platform, clock, body, field):
    recovery, _ = await recovery_notice(platform, clock)
    r = await platform.client.post(f"/v1/payments/recoveries/{recovery['id']}/family-links", json=body,
                                   headers=await platform.token("dev-casework"))
    assert r.status_code == 422 and field in {e["field"] for e in r.json()["errors"]}


def test_outside_dev_mode_payments_refuses_a_missing_or_dev_family_link_secret():
    prod = PlatformSettings.model_construct(mode="prod")
    origin = {"E06000060": {"service_user_number": "654321", "name": "BUCKS DP", "sort_code": "309634",
                            "account_number": "11223344"}}

    def bound(**kw):
        keys = {"k1": base64.b64encode(b"k" * 32).decode()}
        return PaymentsSettings(originators_by_la=origin, encryption_keys=keys, **kw).bound_to(prod)

    with pytest.raises(ValueError, match="SENDPB_PAYMENTS_FAMILY_LINK_SECRET must be set outside dev mode"):
        bound()
    with pytest.raises(ValueError, match="holds the dev key"):
        bound(family_link_secret=DEV_FAMILY_LINK_SECRET, family_link_base_url="https://pb.example.gov.uk")
    assert bound(family_link_secret="z" * 40,
                 family_link_base_url="https://pb.example.gov.uk").family_link_key == b"z" * 40
