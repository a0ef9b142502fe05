"""Family pages by signed link (issue 20, items 4 and 5), through the gateway as a family and a caseworker would:
a caseworker issues a link; the family opens it with no token; every opening is recorded; another budget's link,
an expired, revoked or altered one opens nothing; the family asks for a review from the page."""
from __future__ import annotations

import base64
import json
import uuid
from datetime import date, datetime, timedelta

import jwt
import pytest

from kit.logs import loggable_path
from kit.settings import PlatformSettings
from services.budget.settings import DEV_FAMILY_LINK_SECRET, BudgetSettings
from tests.budget.helpers import child, line, new_budget

TODAY = date(2026, 11, 2)


async def agreed_budget(platform, *, commit_pence: int = 12_500) -> dict:
    """A budget agreed through the gateway: social care by direct payment, education held by the council, and
    some money set aside."""
    casework, admin = await platform.token("dev-casework"), await platform.token("dev-admin")
    c = platform.client
    opened = await c.post("/v1/budgets", headers=casework, json=new_budget(
        child(), start=TODAY, indicative={"social_care": 300_000, "education": 200_000}))
    assert opened.status_code == 201, opened.text
    url = f"/v1/budgets/{opened.json()['id']}"
    for body in (line("social_care", 312_000, category="personal_assistant"),
                 line("education", 195_000, arrangement="notional", category="tuition",
                      outcome="Reads with confidence", funding_source="high_needs_top_up")):
        r = await c.post(f"{url}/provisions", headers=casework, json=body)
        assert r.status_code == 201, r.text
    assert (await c.post(f"{url}/submit", headers=casework)).status_code == 200
    for stream, amount in (("social_care", 312_000), ("education", 195_000)):
        r = await c.post(f"{url}/panel-decisions", headers=admin, json={
            "stream": stream, "decision": "approved", "agreed_pence": amount, "decided_by": f"{stream} lead"})
        assert r.status_code == 201, r.text
    agreed = await c.post(f"{url}/agree", headers=casework)
    assert agreed.status_code == 200, agreed.text
    if commit_pence:
        r = await c.post(f"{url}/commitments", headers=admin,
                         json={"stream": "social_care", "amount_pence": commit_pence, "memo": "Swimming lessons"})
        assert r.status_code == 201, r.text
    return agreed.json()


async def issue(platform, budget_id: str, key: str | None = None, **body) -> dict:
    headers = {**await platform.token("dev-casework"), **({"Idempotency-Key": key} if key else {})}
    r = await platform.client.post(f"/v1/budgets/{budget_id}/family-links", headers=headers, json=body)
    assert r.status_code == 201, r.text
    return r.json()


def path_of(link: dict) -> str:
    return link["url"].removeprefix("http://127.0.0.1:8000")


async def openings(platform, budget_id: str) -> dict[str, dict]:
    r = await platform.client.get(f"/v1/budgets/{budget_id}/family-links", headers=await platform.token("dev-casework"))
    assert r.status_code == 200, r.text
    return {link["id"]: link for link in r.json()["items"]}


async def test_a_link_issued_by_casework_opens_the_statement_without_a_token_and_the_opening_is_logged(
        platform, clock):
    clock.set_to(TODAY, tick=True)
    budget = await agreed_budget(platform)
    link = await issue(platform, budget["id"])
    assert link["status"] == "open" and link["document"] == "statement"
    assert datetime.fromisoformat(link["expires_at"]) - datetime.fromisoformat(link["issued_at"]) == timedelta(days=28)

    page = await platform.client.get(path_of(link), headers={"Accept": "text/html"})  # no Authorization header
    assert page.status_code == 200, page.text
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["cache-control"] == "no-store" and page.headers["referrer-policy"] == "no-referrer"
    text = page.text
    # The four parts, in the order a family needs them.
    order = [text.index(h) for h in ("What the money is", "What was paid", "What is left", "What you can do next")]
    assert order == sorted(order)
    # The figures add up: £3,120.00 + £1,950.00 = £5,070.00 for the year; less £125.00 set aside = £4,945.00 left.
    assert "£5,070.00 in all" in text and "£4,945.00 is left: £5,070.00 for the year, less £0.00 paid, less " \
        "£125.00 set aside" in text

    logged = (await openings(platform, budget["id"]))[link["id"]]
    assert [(o["format"], o["outcome"]) for o in logged["openings"]] == [("html", "opened")]
    # Casework's own calls still need a token; the family path is the only one let through.
    assert (await platform.client.get(f"/v1/budgets/{budget['id']}/family-links")).status_code == 401


async def test_another_budgets_link_opens_only_its_own_budget_and_a_token_naming_another_budget_opens_nothing(
        platform, clock):
    clock.set_to(TODAY, tick=True)
    mine, theirs = await agreed_budget(platform), await agreed_budget(platform, commit_pence=0)
    my_link, their_link = await issue(platform, mine["id"]), await issue(platform, theirs["id"])
    theirs_page = (await platform.client.get(path_of(their_link))).text
    assert f"EHCP-{theirs['child_id']}" in theirs_page and f"EHCP-{mine['child_id']}" not in theirs_page

    # Even with the deployment's secret, a token whose budget is not its link's budget opens nothing.
    claims = jwt.decode(path_of(their_link).rsplit("/", 1)[1], DEV_FAMILY_LINK_SECRET, algorithms=["HS256"],
                        audience="sendpb-family", options={"verify_exp": False})
    forged = jwt.encode({**claims, "bud": mine["id"]}, DEV_FAMILY_LINK_SECRET, algorithm="HS256")
    r = await platform.client.get(f"/v1/budgets/family/{forged}")
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem+json")
    assert f"EHCP-{mine['child_id']}" not in r.text
    # The link id of one budget in the path of the other: no such link under it.
    r = await platform.client.post(f"/v1/budgets/{theirs['id']}/family-links/{my_link['id']}/revoke",
                                   headers=await platform.token("dev-casework"))
    assert r.status_code == 404
    # Another LA's caseworker cannot issue or list links for this budget (404, never a hint).
    other = await platform.token("dev-other-la")
    assert (await platform.client.post(f"/v1/budgets/{mine['id']}/family-links", headers=other,
                                       json={})).status_code == 404
    assert (await platform.client.get(f"/v1/budgets/{mine['id']}/family-links", headers=other)).status_code == 404


async def test_an_expired_link_is_refused_with_a_plain_english_page_and_the_attempt_is_logged(platform, clock):
    clock.set_to(TODAY, tick=True)
    budget = await agreed_budget(platform)
    link = await issue(platform, budget["id"], expires_in_days=3)
    assert (await platform.client.get(path_of(link))).status_code == 200
    # A date plus hours is still that date (09:00): move on from the moment the link was issued, not from TODAY.
    clock.set_to(datetime.fromisoformat(link["expires_at"]) + timedelta(hours=1), tick=True)
    refused = await platform.client.get(path_of(link))
    assert refused.status_code == 410 and refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["title"] == "This link has expired"
    page = await platform.client.get(path_of(link), headers={"Accept": "text/html,application/xhtml+xml"})
    assert page.status_code == 410 and "Ask your caseworker to send you a new link" in page.text
    logged = (await openings(platform, budget["id"]))[link["id"]]
    assert logged["status"] == "expired"
    assert [o["outcome"] for o in logged["openings"]] == ["expired", "expired", "opened"]


async def test_a_revoked_link_is_refused_and_revoking_twice_is_a_conflict(platform, clock):
    clock.set_to(TODAY, tick=True)
    budget = await agreed_budget(platform)
    link = await issue(platform, budget["id"])
    casework = await platform.token("dev-casework")
    revoked = await platform.client.post(f"/v1/budgets/{budget['id']}/family-links/{link['id']}/revoke",
                                         headers=casework)
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    r = await platform.client.get(path_of(link))
    assert r.status_code == 410 and r.json()["title"] == "This link has been withdrawn"
    again = await platform.client.post(f"/v1/budgets/{budget['id']}/family-links/{link['id']}/revoke",
                                       headers=casework)
    assert again.status_code == 409


def _tampered(token: str) -> list[str]:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    longer = base64.urlsafe_b64encode(json.dumps({**claims, "exp": claims["exp"] + 86_400 * 365}).encode())
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    return [f"{header}.{longer.decode().rstrip('=')}.{signature}", f"{header}.{payload}.{flipped}",
            f"{header}.{payload}", "not-a-token", jwt.encode({**claims}, "some other secret of 32 characters!")]


async def assert_altered_copies_open_nothing(platform, prefix: str, token: str, form: str, data: dict) -> None:
    """Every altered copy of ``token`` (see ``_tampered``) is a 404 "This link does not work" page under ``prefix``,
    and its ``form`` post a 404 too."""
    for bad in _tampered(token):
        r = await platform.client.get(f"{prefix}{bad}", headers={"Accept": "text/html"})
        assert r.status_code == 404 and "This link does not work" in r.text, bad
        assert (await platform.client.post(f"{prefix}{bad}/{form}", data=data)).status_code == 404


async def test_a_tampered_link_is_refused(platform, clock):
    clock.set_to(TODAY, tick=True)
    budget = await agreed_budget(platform)
    link = await issue(platform, budget["id"])
    token = path_of(link).rsplit("/", 1)[1]
    for bad in _tampered(token):
        r = await platform.client.get(f"/v1/budgets/family/{bad}")
        assert r.status_code == 404, (bad, r.status_code, r.text)
        assert f"EHCP-{budget['child_id']}" not in r.text
        html = await platform.client.get(f"/v1/budgets/family/{bad}", headers={"Accept": "text/html"})
        assert html.status_code == 404 and "This link does not work" in html.text
        form = await platform.client.post(f"/v1/budgets/family/{bad}/review-requests", data={"reason": "x"})
        assert form.status_code == 404
    # Nothing was recorded against the link by the altered copies.
    assert (await openings(platform, budget["id"]))[link["id"]]["openings"] == []


async def test_the_same_idempotency_key_twice_gives_the_same_link(platform, clock):
    clock.set_to(TODAY, tick=True)
    budget = await agreed_budget(platform, commit_pence=0)
    key = f"link-{uuid.uuid4()}"
    first = await issue(platform, budget["id"], key, expires_in_days=14)
    second = await issue(platform, budget["id"], key, expires_in_days=14)
    assert (second["id"], second["url"]) == (first["id"], first["url"])
    assert len(await openings(platform, budget["id"])) == 1
    r = await platform.client.post(f"/v1/budgets/{budget['id']}/family-links", json={"expires_in_days": 15},
                                   headers={**await platform.token("dev-casework"), "Idempotency-Key": key})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "Idempotency-Key"


@pytest.mark.parametrize("body, field", [
    ({"expires_on": "9999-12-31"}, "expires_on"),
    ({"expires_in_days": 91}, "expires_in_days"),
    ({"expires_in_days": 0}, "expires_in_days"),
    ({"expires_on": "2026-11-01"}, "expires_on"),                  # yesterday
    ({"expires_on": "2026-12-01", "expires_in_days": 5}, "expires_on"),
    ({"document": "bank_details"}, "document"),
])
async def test_an_expiry_beyond_90_days_or_in_the_past_or_an_unknown_document_is_a_422_naming_the_field(
        platform, clock, body, field):
    clock.set_to(TODAY, tick=True)
    budget = await agreed_budget(platform, commit_pence=0)
    r = await platform.client.post(f"/v1/budgets/{budget['id']}/family-links", json=body,
                                   headers=await platform.token("dev-casework"))
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert field in {e["field"] for e in r.json()["errors"]}


async def test_expires_on_lasts_to_the_end_of_that_day(platform, clock):
    clock.set_to(TODAY, tick=True)
    budget = await agreed_budget(platform, commit_pence=0)
    link = await issue(platform, budget["id"], expires_on="2027-01-30")
    assert link["expires_at"].startswith("2027-01-31T00:00:00")


async def test_the_family_asks_for_a_review_from_the_page_and_it_is_recorded(platform, clock):
    clock.set_to(TODAY, tick=True)
    budget = await agreed_budget(platform)
    link = await issue(platform, budget["id"])
    page = (await platform.client.get(path_of(link), headers={"Accept": "text/html"})).text
    action = path_of(link) + "/review-requests"
    assert f'action="{action}"' in page
    r = await platform.client.post(action, data={"reason": "Her needs have changed since she moved school"},
                                   headers={"Accept": "text/html"})
    assert r.status_code == 201 and "We have your request for a review" in r.text
    history = (await platform.client.get(f"/v1/budgets/{budget['id']}/reviews",
                                         headers=await platform.token("dev-casework"))).json()
    asked = [i for i in history["items"] if i["kind"] == "request"]
    assert asked and "Her needs have changed" in asked[0]["notes"]
    assert asked[0]["recorded_by"] == f"family-link:{link['id']}"
    assert history["next_review_due"] == str(TODAY)
    assert ("action", "opened") in {(o["format"], o["outcome"])
                                    for o in (await openings(platform, budget["id"]))[link["id"]]["openings"]}


def test_outside_dev_mode_the_family_link_secret_must_be_set_and_not_the_dev_one():
    prod = PlatformSettings.model_construct(mode="prod")
    with pytest.raises(ValueError, match="FAMILY_LINK_SECRET must be set outside dev mode"):
        BudgetSettings().bound_to(prod)
    with pytest.raises(ValueError, match="holds the dev key"):
        BudgetSettings(family_link_secret=DEV_FAMILY_LINK_SECRET,
                       family_link_base_url="https://pb.example.gov.uk").bound_to(prod)
    with pytest.raises(ValueError, match="https"):
        BudgetSettings(family_link_secret="x" * 40).bound_to(prod)
    with pytest.raises(ValueError, match="at least 32 characters"):
        BudgetSettings(family_link_secret="short").bound_to(PlatformSettings())
    bound = BudgetSettings(family_link_secret="y" * 40, family_link_base_url="https://pb.example.gov.uk",
                           icb_publishers={"icb-qu9": ["E06000060"]})  # budget's other prod setting
    assert bound.bound_to(prod).family_link_key == b"y" * 40


def test_a_signed_link_in_a_path_never_reaches_the_logs():
    token = jwt.encode({"sub": "x" * 36}, "k" * 32, algorithm="HS256")
    assert loggable_path(f"/v1/budgets/family/{token}.pdf") == "/v1/budgets/family/<signed>.pdf"
    assert loggable_path("/v1/budgets/0b8e4a8e-6a39-4a36-9b4e-0f0c1a7d3b11/ledger").endswith("/ledger")
