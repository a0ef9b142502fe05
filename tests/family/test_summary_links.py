"""A block contract's family summary by signed link (issue 20; CON-07, CON-10), through the gateway: casework
issues a link for the family of a child the contract serves; the family opens it with no token, in the order they
need it, and as a PDF; a child the contract does not serve is a 422, another LA's contract a 404; an expired,
revoked or altered link opens nothing."""
from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

import jwt
import pytest

from kit.family import DEV_FAMILY_LINK_SECRET
from kit.settings import PlatformSettings
from kit.testing import LA, eventually
from services.contracts.settings import ContractsSettings
from tests.contracts.conftest import contract_body, transfer_body
from tests.family.test_family_links import _tampered

TODAY = date(2026, 11, 2)
PATH = "/v1/contracts/family/"


async def served_child(platform, clock, *, release: bool = True) -> tuple[dict, str]:
    """A contract (£100 an hour, 10% releasable) serving a child through a line of their budget (CON-10), with 12
    hours moved into the budget when ``release``; the contract and the child."""
    clock.set_to(TODAY, tick=True)
    admin, casework = await platform.token("dev-admin"), await platform.token("dev-casework")
    child = f"C-{uuid.uuid4().hex[:8]}"
    contract = (await platform.client.post("/v1/contracts", json=contract_body(
        start_date="2026-04-01", end_date="2028-03-31", renewal_date="2027-12-01"), headers=admin)).json()
    budget = (await platform.client.post("/v1/budgets", headers=casework, json={
        "child_id": child, "local_authority": LA, "plan_reference": f"EHCP-{child}", "period_start": "2026-12-01",
        "period_end": "2027-11-30", "indicative_pence": {"health": 100_000}})).json()
    r = await platform.client.post(f"/v1/budgets/{budget['id']}/provisions", headers=casework, json={
        "description": "speech and language therapy", "outcome": "Tells adults what she needs", "stream": "health",
        "category": "therapy", "annual_cost_pence": 96_000, "arrangement": "notional", "contract_id": contract["id"]})
    assert r.status_code == 201, r.text

    async def serving():
        r = await platform.client.get(f"/v1/contracts/{contract['id']}/children", headers=casework)
        return r.json()["items"] if r.status_code == 200 and r.json()["items"] else None

    await eventually(serving)
    if release:
        async def released():
            r = await platform.client.post(f"/v1/contracts/{contract['id']}/transfer-requests", headers=casework,
                                           json=transfer_body(budget_id=budget["id"], child_id=child))
            return r if r.status_code != 409 else None

        assert (await eventually(released)).json()["decision"] == "approved"
    return contract, child


async def issue(platform, contract_id: str, child_id: str, **body) -> dict:
    r = await platform.client.post(f"/v1/contracts/{contract_id}/family-links", json={"child_id": child_id, **body},
                                   headers=await platform.token("dev-casework"))
    assert r.status_code == 201, r.text
    return r.json()


def path_of(link: dict) -> str:
    return link["url"].removeprefix("http://127.0.0.1:8000")


async def test_CON_07_the_family_opens_the_summary_of_a_contract_serving_their_child_from_its_link(platform, clock):
    contract, child = await served_child(platform, clock)
    link = await issue(platform, contract["id"], child)
    assert (link["document"], link["document_id"], link["child_id"]) == ("contract_summary", contract["id"], child)
    page = await platform.client.get(path_of(link), headers={"Accept": "text/html"})  # no Authorization header
    assert page.status_code == 200, page.text
    assert page.headers["cache-control"] == "no-store"
    text = page.text
    order = [text.index(h) for h in ("What the money is", "What was paid", "What is left", "What you can do next")]
    assert order == sorted(order)
    assert "Bucks Therapy Partnership provides it under a block contract with the council." in text
    assert "12 hours of this service, £960.00 a year, were moved into your child&#x27;s personal budget" in text
    assert "468 hours of this contract can still go into personal budgets" in text
    assert "Ask your child&#x27;s SEND case worker" in text  # CON-07: how to ask
    pdf = await platform.client.get(path_of(link), params={"format": "pdf"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    r = await platform.client.get(f"/v1/contracts/{contract['id']}/family-links", params={"child_id": child},
                                  headers=await platform.token("dev-casework"))
    assert [(o["format"], o["outcome"]) for o in r.json()["items"][0]["openings"]] == [("pdf", "opened"),
                                                                                      ("html", "opened")]


async def test_CON_10_a_child_the_contract_does_not_serve_is_a_422_and_another_la_a_404(platform, clock):
    contract, child = await served_child(platform, clock, release=False)
    r = await platform.client.post(f"/v1/contracts/{contract['id']}/family-links", json={"child_id": "C-nobody"},
                                   headers=await platform.token("dev-casework"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "child_id" and r.json()["rule"] == "CON-10"
    other = await platform.token("dev-other-la")
    r = await platform.client.post(f"/v1/contracts/{contract['id']}/family-links", json={"child_id": child},
                                   headers=other)
    assert r.status_code == 404
    r = await platform.client.get(f"/v1/contracts/{contract['id']}/family-links", params={"child_id": child},
                                  headers=other)
    assert r.status_code == 404
    link = await issue(platform, contract["id"], child)
    page = (await platform.client.get(path_of(link))).text
    assert "None of this service has been moved into your child&#x27;s personal budget" in page


async def test_expired_revoked_forged_and_tampered_summary_links_open_nothing(platform, clock):
    contract, child = await served_child(platform, clock, release=False)
    short, revoked = await issue(platform, contract["id"], child, expires_in_days=1), \
        await issue(platform, contract["id"], child)
    casework = await platform.token("dev-casework")
    url = f"/v1/contracts/{contract['id']}/family-links/{revoked['id']}/revoke"
    assert (await platform.client.post(url, headers=casework)).json()["status"] == "revoked"
    assert (await platform.client.post(url, headers=casework)).status_code == 409
    gone = await platform.client.get(path_of(revoked), headers={"Accept": "text/html"})
    assert gone.status_code == 410 and "This link has been withdrawn" in gone.text
    claims = jwt.decode(path_of(short).rsplit("/", 1)[1], DEV_FAMILY_LINK_SECRET, algorithms=["HS256"],
                        audience="sendpb-family", options={"verify_exp": False})
    forged = jwt.encode({**claims, "cyp": "C-someone-else"}, DEV_FAMILY_LINK_SECRET, algorithm="HS256")
    assert (await platform.client.get(f"{PATH}{forged}")).status_code == 404
    for bad in _tampered(path_of(short).rsplit("/", 1)[1]):
        r = await platform.client.get(f"{PATH}{bad}", headers={"Accept": "text/html"})
        assert r.status_code == 404 and "This link does not work" in r.text, bad
    clock.set_to(datetime.fromisoformat(short["expires_at"]) + timedelta(minutes=1), tick=True)
    expired = await platform.client.get(path_of(short))
    assert expired.status_code == 410 and expired.json()["title"] == "This link has expired"


@pytest.mark.parametrize("mode_ok", [False, True])
def test_outside_dev_mode_contracts_refuses_a_missing_or_dev_family_link_secret(mode_ok):
    prod = PlatformSettings.model_construct(mode="prod")
    if mode_ok:
        bound = ContractsSettings(family_link_secret="c" * 40, family_link_base_url="https://pb.example.gov.uk")
        assert bound.bound_to(prod).family_link_key == b"c" * 40
        return
    with pytest.raises(ValueError, match="SENDPB_CONTRACTS_FAMILY_LINK_SECRET must be set outside dev mode"):
        ContractsSettings().bound_to(prod)
    with pytest.raises(ValueError, match="holds the dev key"):
        ContractsSettings(family_link_secret=DEV_FAMILY_LINK_SECRET,
                          family_link_base_url="https://pb.example.gov.uk").bound_to(prod)
