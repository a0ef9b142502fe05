"""BUD-11: the SEN2 return's personal-budget items as the XML file COLLECT takes, and its validation report.

The file is read here with ``xml.etree`` by the paths and values documented in docs/sen2.md (the layout taken from
the DfE's SEN2 person-level guide 2025), not with the writer's code. Dates come from the ``clock`` fixture."""
from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime

import pytest

from kit.testing import LA, running_service
from services.budget.app import create_app
from services.budget.domain.sen2_return import PlanAtCensus, PlanLine, census_refusal, record, records, validate
from services.budget.models import Budget, Provision
from services.budget.settings import BudgetSettings
from tests.budget.helpers import CASEWORK, OTHER, READ, child, decide, line, submitted

NS = "{urn:sendpb:sen2:personal-budgets:1}"
CENSUS = date(2027, 1, 21)          # the third Thursday of January 2027
BEFORE = date(2026, 12, 10)         # budgets agreed and lines added before the census
AFTER = date(2027, 2, 3)            # and after it


# --- the rules, pure -------------------------------------------------------------------------------------------

def plan(*lines: tuple[str, str], agreed_on: date | None = BEFORE, agreed: dict | None = None, child_id="C-1",
         reference="EHCP-1", status="agreed", start=date(2026, 12, 1), end=date(2027, 11, 30)) -> PlanAtCensus:
    return PlanAtCensus(
        budget_id=f"B-{reference}", child_id=child_id, plan_reference=reference, period_start=start, period_end=end,
        status=status, agreed_on=agreed_on, lines=tuple(PlanLine(s, a, BEFORE) for s, a in lines),
        agreed_pence=agreed if agreed is not None else {s: 100_000 for s, _ in lines})


@pytest.mark.parametrize("census, refused", [
    (date(2014, 8, 31), True), (date(2014, 9, 1), False), (date(2028, 1, 21), False), (date(2028, 1, 23), True),
    (date(9999, 1, 21), True)])
def test_BUD_11_a_census_date_runs_from_2014_09_01_to_a_year_ahead(census, refused):
    assert (census_refusal(census, date(2027, 1, 21)) is not None) is refused


@pytest.mark.parametrize("lines, expected", [
    ([("social_care", "direct_payment")], (True, False, "S")),
    ([("education", "notional"), ("transport", "direct_payment")], (True, True, "E")),
    ([("health", "direct_payment"), ("social_care", "notional"), ("social_care", "direct_payment")],
     (True, True, "I")),
    # SEND Code of Practice 9.101: funds managed by a third party are direct payments.
    ([("health", "third_party")], (True, False, "H")),
    ([("education", "notional")], (True, True, None)),
], ids=["S", "OA+E(transport)", "I", "third-party=DP", "OA-only"])
def test_BUD_11_pb_oa_dp_of_a_plan_taken_up_by_the_census(lines, expected):
    r = record(plan(*lines), CENSUS)
    assert (r.pb, r.oa, r.dp) == expected


def test_BUD_11_a_budget_agreed_after_the_census_was_not_taken_up_then_and_gives_no_oa_or_dp():
    r = record(plan(("social_care", "direct_payment"), agreed_on=AFTER), CENSUS)
    assert (r.pb, r.oa, r.dp) == (False, None, None)


def test_BUD_11_lines_recorded_after_the_census_are_not_in_it():
    p = plan(("education", "notional"))
    later = PlanAtCensus(**{**p.__dict__, "lines": p.lines + (PlanLine("health", "direct_payment", AFTER),)})
    assert (record(later, CENSUS).dp, record(later, AFTER).dp) == (None, "H")


def test_BUD_11_only_plans_whose_period_covers_the_census_count():
    inside = plan(("education", "notional"), reference="A")
    ended = plan(("education", "notional"), reference="B", start=date(2025, 12, 1), end=date(2026, 11, 30))
    later = plan(("education", "notional"), reference="C", start=date(2027, 1, 22), end=date(2028, 1, 21))
    assert [r.plan_reference for r in records([later, ended, inside], CENSUS)] == ["A"]


def test_BUD_11_validation_names_each_record_and_item_that_is_missing_or_inconsistent():
    good = plan(("social_care", "direct_payment"), ("education", "notional"), reference="EHCP-GOOD", child_id="C-G")
    no_stream = plan(reference="EHCP-EMPTY", child_id="C-E", agreed={})
    unfunded = plan(("social_care", "direct_payment"), ("health", "direct_payment"), reference="EHCP-DP",
                    child_id="C-D", agreed={"social_care": 100_000})
    no_date = plan(("education", "notional"), reference="EHCP-NODATE", child_id="C-N", agreed_on=None)
    twice_a = plan(("education", "notional"), reference="EHCP-T1", child_id="C-T")
    twice_b = plan(("education", "notional"), reference="EHCP-T2", child_id="C-T", status="draft", agreed_on=None)
    issues = validate([good, no_stream, unfunded, no_date, twice_a, twice_b], CENSUS, local_authority=LA, lea="825")
    found = {(i.reference, i.field, i.code) for i in issues}
    assert found == {
        ("EHCP-EMPTY", "PB", "SEN2-PB-NO-STREAM"), ("EHCP-EMPTY", "OA", "SEN2-OA-DP-MISSING"),
        ("EHCP-DP", "DP", "SEN2-DP-NO-FUNDER"), ("EHCP-NODATE", "PB", "SEN2-PB-NO-AGREEMENT-DATE"),
        ("EHCP-T1", "Person", "SEN2-PERSON-COUNTED-TWICE"), ("EHCP-T2", "Person", "SEN2-PERSON-COUNTED-TWICE")}
    assert "health" in next(i.message for i in issues if i.code == "SEN2-DP-NO-FUNDER")
    assert [i.field for i in validate([good], CENSUS, local_authority=LA, lea=None)] == ["LEA"]


# --- through the service and the gateway ------------------------------------------------------------------------

@pytest.fixture
async def svc(memory_backend):
    async with running_service(create_app, memory_backend, service="budget") as running:
        yield running


async def agree(client, lines, amounts, child_id=None) -> dict:
    budget = await submitted(client, lines, indicative=dict(amounts), child_id=child_id)
    for stream, amount in amounts.items():
        assert (await decide(client, budget["id"], stream, amount)).status_code in (200, 201)
    r = await client.post(f"/v1/budgets/{budget['id']}/agree", headers=CASEWORK)
    assert r.status_code == 200, r.text
    return r.json()


def _moment(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 10, tzinfo=UTC)


async def seed_problems(svc, twice_child: str) -> dict[str, str]:
    """States the API refuses (BUD-01, BUD-05) but a load or a correction outside it can leave: a second plan for a
    child, a budget agreed with no stream and no lines, a direct payment on a stream no funder agreed."""
    ids = {"twice": str(uuid.uuid4()), "empty": str(uuid.uuid4())}
    async with svc.runtime.db.transaction() as session:
        session.add_all([
            Budget(id=ids["twice"], local_authority=LA, child_id=twice_child,
                   plan_reference=f"SEED-TWICE-{ids['twice']}",
                   period_start=date(2026, 11, 15), period_end=date(2027, 11, 30), status="draft",
                   opened_from="api", created_at=_moment(BEFORE)),
            Budget(id=ids["empty"], local_authority=LA, child_id=child(), plan_reference=f"SEED-EMPTY-{ids['empty']}",
                   period_start=date(2026, 12, 1), period_end=date(2027, 11, 30), status="agreed",
                   opened_from="api", created_at=_moment(BEFORE), agreed_at=_moment(BEFORE)),
        ])
    return ids


async def test_BUD_11_the_sen2_file_parses_as_the_documented_layout_with_each_plans_items(svc, clock):
    clock.set_to(BEFORE)
    tuition = line("education", 100_000, arrangement="notional", category="tuition")
    dp_and_oa = await agree(svc.client, [line("social_care", 200_000), tuition],
                            {"social_care": 200_000, "education": 100_000})
    integrated = await agree(svc.client, [line("social_care", 50_000), line("health", 50_000, arrangement="third_party",
                             category="therapy")], {"social_care": 50_000, "health": 50_000})
    clock.set_to(AFTER)
    late = await agree(svc.client, [line("education", 80_000, arrangement="notional", category="tuition")],
                       {"education": 80_000})

    r = await svc.client.get("/v1/budgets/sen2/file", params={"local_authority": LA, "census_date": CENSUS.isoformat()},
                             headers=READ)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/xml")
    assert r.headers["content-disposition"] == 'attachment; filename="SEN2_2027_825_personal_budgets.xml"'
    assert r.content.startswith(b"<?xml version=") and b"encoding=" in r.content.splitlines()[0]

    root = ET.fromstring(r.content)
    assert root.tag == "Message"
    header = {e.tag: e.text for e in root.find("Header/CollectionDetails")}
    assert header == {"Collection": "SEN2", "Year": "2027", "ReferenceDate": "2027-01-21"}
    source = {e.tag: e.text for e in root.find("Header/Source")}
    assert (source["SourceLevel"], source["LEA"], source["SerialNo"]) == ("L", "825", "1")
    assert datetime.strptime(source["DateTime"], "%Y-%m-%dT%H:%M:%S").date() == AFTER

    plans = {}
    for person in root.findall("Person"):
        named = person.find("Requests/Assessment/NamedPlan")
        plans[named.get(f"{NS}budget")] = (person.get(f"{NS}child"), named.get(f"{NS}plan"),
                                           {e.tag: e.text for e in named})
    assert len(plans) == len(root.findall("Person")) == 3
    assert plans[dp_and_oa["id"]] == (dp_and_oa["child_id"], dp_and_oa["plan_reference"],
                                      {"PB": "1", "OA": "1", "DP": "S"})
    assert plans[integrated["id"]][2] == {"PB": "1", "OA": "0", "DP": "I"}
    assert plans[late["id"]][2] == {"PB": "0"}  # agreed after the census: not taken up on the day

    report = (await svc.client.get("/v1/budgets/sen2/validation",
                                   params={"local_authority": LA, "census_date": CENSUS.isoformat()},
                                   headers=READ)).json()
    assert (report["records_count"], report["taken_up_count"], report["ready"]) == (3, 2, True), report
    assert report["lea"] == "825" and "SEN2" in report["guide"]


async def test_BUD_11_the_validation_report_finds_the_seeded_problems_with_record_and_field(svc, clock):
    clock.set_to(BEFORE)
    twice = child()
    ok = await agree(svc.client, [line("social_care", 200_000)], {"social_care": 200_000}, child_id=twice)
    ids = await seed_problems(svc, twice)
    async with svc.runtime.db.transaction() as session:  # a direct payment on health, which no funder agreed
        session.add(Provision(id=str(uuid.uuid4()), budget_id=ok["id"], description="therapy", outcome="speaks",
                              stream="health", category="therapy", annual_cost_pence=10_000,
                              arrangement="direct_payment", on_setting_premises=False, setting_agreement=False,
                              created_at=_moment(BEFORE)))
    clock.set_to(AFTER)
    r = await svc.client.get("/v1/budgets/sen2/validation",
                             params={"local_authority": LA, "census_date": CENSUS.isoformat()}, headers=READ)
    assert r.status_code == 200, r.text
    report = r.json()
    found = {(i["budget_id"], i["field"], i["code"]) for i in report["issues"]}
    assert {(ok["id"], "DP", "SEN2-DP-NO-FUNDER"), (ok["id"], "Person", "SEN2-PERSON-COUNTED-TWICE"),
            (ids["twice"], "Person", "SEN2-PERSON-COUNTED-TWICE"), (ids["empty"], "PB", "SEN2-PB-NO-STREAM"),
            (ids["empty"], "OA", "SEN2-OA-DP-MISSING")} <= found
    mine = {ok["id"], ids["twice"], ids["empty"]}
    assert {i["reference"] for i in report["issues"] if i["budget_id"] in mine} == {
        ok["plan_reference"], f"SEED-TWICE-{ids['twice']}", f"SEED-EMPTY-{ids['empty']}"}
    assert not report["ready"] and report["errors_count"] >= 5


async def test_BUD_11_bad_census_date_other_la_and_missing_la_number(svc, clock, memory_backend):
    clock.set_to(AFTER)
    for path in ("/v1/budgets/sen2/file", "/v1/budgets/sen2/validation"):
        far = await svc.client.get(path, params={"local_authority": LA, "census_date": "9999-01-21"}, headers=READ)
        assert far.status_code == 422 and far.json()["errors"][0]["field"] == "census_date", far.text
        assert far.headers["content-type"].startswith("application/problem+json")
        bad = await svc.client.get(path, params={"local_authority": LA, "census_date": "2027-13-01"}, headers=READ)
        assert bad.status_code == 422 and "census_date" in bad.json()["errors"][0]["field"], bad.text
        other = await svc.client.get(path, params={"local_authority": LA, "census_date": CENSUS.isoformat()},
                                     headers=OTHER)
        assert other.status_code == 403, other.text
        assert (await svc.client.get(path, params={"local_authority": LA, "census_date": CENSUS.isoformat()})
                ).status_code == 401
    async with running_service(create_app, memory_backend, service="budget",
                               settings=BudgetSettings(sen2_la_numbers={})) as unnumbered:
        params = {"local_authority": LA, "census_date": CENSUS.isoformat()}
        refused = await unnumbered.client.get("/v1/budgets/sen2/file", params=params, headers=READ)
        assert refused.status_code == 409 and refused.json()["rule"] == "BUD-11", refused.text
        report = (await unnumbered.client.get("/v1/budgets/sen2/validation", params=params, headers=READ)).json()
        assert [(i["field"], i["reference"]) for i in report["issues"]] == [("LEA", LA)]
    with pytest.raises(ValueError, match="three digits"):
        BudgetSettings(sen2_la_numbers={LA: "82"})


async def test_BUD_11_the_sen2_file_and_report_through_the_gateway(platform, clock):
    clock.set_to(BEFORE)
    casework, finance = await platform.token("dev-casework"), await platform.token("dev-finance")
    opened = await platform.client.post("/v1/budgets", headers=casework, json={
        "child_id": "C-sen2-gw", "local_authority": LA, "plan_reference": "EHCP-SEN2-GW", "period_start": "2026-12-01",
        "period_end": "2027-11-30", "indicative_pence": {"social_care": 120_000}})
    assert opened.status_code == 201, opened.text
    params = {"local_authority": LA, "census_date": CENSUS.isoformat()}
    clock.set_to(AFTER)
    r = await platform.client.get("/v1/budgets/sen2/file", params=params, headers=finance)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/xml"), r.text
    assert "attachment" in r.headers["content-disposition"]
    as_text = await platform.client.get("/v1/budgets/sen2/file", params=params,
                                        headers={**finance, "Accept": "text/xml"})
    assert as_text.headers["content-type"].startswith("text/xml") and as_text.content == r.content
    named = [p.find("Requests/Assessment/NamedPlan") for p in ET.fromstring(r.content).findall("Person")]
    assert [{e.tag: e.text for e in n} for n in named if n.get(f"{NS}plan") == "EHCP-SEN2-GW"] == [{"PB": "0"}]
    report = await platform.client.get("/v1/budgets/sen2/validation", params=params, headers=finance)
    assert report.status_code == 200 and report.json()["records_count"] >= 1, report.text
    other = await platform.token("dev-other-la")
    assert (await platform.client.get("/v1/budgets/sen2/file", params=params, headers=other)).status_code == 403
    spec = (await platform.client.get("/openapi.json")).json()
    assert {"/v1/budgets/sen2/file", "/v1/budgets/sen2/validation"} <= set(spec["paths"])
