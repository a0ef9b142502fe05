"""Transfer decisions (CON-02, CON-04, CON-05, CON-06 a–d) and family summaries (CON-07), no database."""
from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.contracts.domain.decision import Ask, Terms, decide
from services.contracts.domain.evidence import ROUTES, EvidenceInvalid
from services.contracts.domain.pricing import release_limit_units
from services.contracts.domain.summary import ContractFacts, summarise

TODAY = date(2026, 11, 22)
# £480,000 a year for 4,800 hours: £100 an hour; at most 10% (480 hours) may be released; 25% is fixed cost.
TERMS = Terms(annual_value_pence=480_000_00, contracted_units=4_800, unit="hour", max_release_percent=10,
              min_retained_units=None, fixed_cost_percent=25, separable=True, inseparable_reason=None,
              released_units=0, funders={"council": 70, "icb": 30})
FAMILY = {"provided_by": "mother", "wishes_recorded_on": "2026-11-01"}
SUPPLIER = {"supplier_name": "Local Therapy CIC", "meets_outcomes": True, "quality_equivalent": True,
            "price_held_until": "2027-11-30"}
COMBINED = {"combined_with": ["speech therapy"], "total_cost_before_pence": 500_000,
            "total_cost_after_pence": 400_000}
POOLED = {"pool_members": 4, "pooling_agreement": "POOL-7", "fair_share_basis": "equal hours",
          "sustainable_until": "2027-08-31"}


def ask(units=10, route="family_provision", price=100_00, evidence=FAMILY, exceptional=None):
    return Ask(units=units, route=route, proposed_unit_price_pence=price, evidence=evidence,
               exceptional_reason=exceptional)


def rules(decision, refusing_only=True):
    return {r.rule for r in decision.reasons if r.refuses or not refusing_only}


def test_an_approved_transfer_releases_the_proposed_cost_and_says_why_by_rule():
    d = decide(TERMS, ask(units=12, price=80_00), today=TODAY)
    assert d.decision == "approved" and d.release_pence == 960_00
    assert rules(d, refusing_only=False) == {"CON-04", "CON-05", "CON-06d"}


def test_CON_04_a_release_exactly_at_the_maximum_share_is_approved():
    d = decide(replace(TERMS, released_units=470), ask(units=10), today=TODAY)
    assert d.decision == "approved" and d.release_pence == 1_000_00


def test_CON_04_one_unit_over_the_maximum_share_is_declined_with_that_reason():
    d = decide(replace(TERMS, released_units=470), ask(units=11), today=TODAY)
    assert d.decision == "declined" and d.release_pence == 0
    [reason] = [r for r in d.reasons if r.refuses]
    assert reason.rule == "CON-04" and reason.field == "units" and "10 hours left" in reason.message


def test_CON_04_the_minimum_retained_volume_also_limits_releases():
    terms = replace(TERMS, max_release_percent=50, min_retained_units=4_790)
    assert decide(terms, ask(units=10), today=TODAY).decision == "approved"
    declined = decide(terms, ask(units=11), today=TODAY)
    assert declined.decision == "declined" and rules(declined) == {"CON-04"}
    assert "keeping at least 4,790 hours" in declined.reasons[0].message


def test_CON_02_an_inseparable_contract_is_declined_and_says_why():
    terms = replace(TERMS, separable=False,
                    inseparable_reason="one therapist serves the whole special school")
    d = decide(terms, ask(), today=TODAY)
    assert d.decision == "declined" and "CON-02" in rules(d)
    assert "one therapist serves the whole special school" in d.reasons[0].message


def test_CON_02_an_all_fixed_cost_contract_cannot_be_separated_without_wasting_money():
    d = decide(replace(TERMS, fixed_cost_percent=100), ask(), today=TODAY)
    assert d.decision == "declined" and "pay twice" in d.reasons[0].message


def test_CON_05_a_price_above_the_block_cost_is_declined_without_an_exceptional_reason():
    d = decide(TERMS, ask(units=10, price=100_01), today=TODAY)
    assert d.decision == "declined" and rules(d) == {"CON-05"}
    assert d.public_purse["after"]["total_pence"] == 1_000_00  # capped at the block cost


def test_CON_05_exactly_the_block_price_is_within_the_cap():
    assert decide(TERMS, ask(units=10, price=100_00), today=TODAY).decision == "approved"


def test_CON_05_a_recorded_exceptional_reason_allows_a_larger_sum():
    d = decide(TERMS, ask(units=10, price=120_00, exceptional="only a signing therapist can work with her"),
               today=TODAY)
    assert d.decision == "approved" and d.release_pence == 1_200_00
    assert any(r.rule == "CON-05" and "exceptional" in r.message for r in d.reasons)


@pytest.mark.parametrize("route, evidence, rule", [
    ("alternative_supplier", SUPPLIER, "CON-06a"),
    ("combined_services", COMBINED, "CON-06b"),
    ("pooled_purchase", POOLED, "CON-06c"),
    ("family_provision", FAMILY, "CON-06d"),
])
def test_CON_06_each_route_with_its_evidence_is_value_for_money(route, evidence, rule):
    d = decide(TERMS, ask(route=route, evidence=evidence, price=90_00), today=TODAY)
    assert d.decision == "approved"
    assert any(r.rule == rule and r.message.startswith("value for money") for r in d.reasons)


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_CON_06_missing_evidence_is_named_key_by_key(route):
    d = decide(TERMS, ask(route=route, evidence={}, price=90_00), today=TODAY)
    assert d.decision == "evidence_required" and d.release_pence == 0
    assert d.missing_evidence == [item.key for item in ROUTES[route].items]
    named = {r.field for r in d.reasons if r.rule == ROUTES[route].rule}
    assert named == {f"evidence.{k}" for k in d.missing_evidence}


@pytest.mark.parametrize("route, evidence, field", [
    ("alternative_supplier", {**SUPPLIER, "meets_outcomes": False}, "evidence.meets_outcomes"),
    ("alternative_supplier", {**SUPPLIER, "price_held_until": "2026-11-21"}, "evidence.price_held_until"),
    ("combined_services", {**COMBINED, "total_cost_after_pence": 500_000}, "evidence.total_cost_after_pence"),
    ("pooled_purchase", {**POOLED, "pool_members": 1}, "evidence.pool_members"),
])
def test_CON_06_evidence_that_shows_no_value_for_money_declines(route, evidence, field):
    d = decide(TERMS, ask(route=route, evidence=evidence, price=90_00), today=TODAY)
    assert d.decision == "declined" and [r.field for r in d.reasons if r.refuses] == [field]


def test_CON_06a_an_alternative_supplier_must_be_cheaper_than_the_block():
    d = decide(TERMS, ask(route="alternative_supplier", evidence=SUPPLIER, price=100_00), today=TODAY)
    assert d.decision == "declined" and rules(d) == {"CON-06a"}


def test_CON_06_evidence_of_the_wrong_kind_names_the_field():
    with pytest.raises(EvidenceInvalid) as err:
        decide(TERMS, ask(route="pooled_purchase", evidence={**POOLED, "sustainable_until": "soon"}),
               today=TODAY)
    assert err.value.errors == [("evidence.sustainable_until", "must be a date, YYYY-MM-DD")]


def test_CON_06_the_whole_public_purse_is_shown_before_and_after_per_funder():
    d = decide(TERMS, ask(units=10, price=80_00), today=TODAY)
    assert d.public_purse["before"] == {"council_pence": 700_00, "icb_pence": 300_00, "total_pence": 1_000_00}
    assert d.public_purse["after"] == {"council_pence": 560_00, "icb_pence": 240_00, "total_pence": 800_00}
    assert d.public_purse["change"] == {"council_pence": -140_00, "icb_pence": -60_00, "total_pence": -200_00}


def test_a_refused_request_lists_every_refusal_and_the_missing_evidence_too():
    terms = replace(TERMS, separable=False, inseparable_reason="shared group sessions")
    d = decide(terms, ask(units=1000, price=200_00, evidence={}), today=TODAY)
    assert d.decision == "declined"
    assert rules(d) == {"CON-02", "CON-04", "CON-05"}
    assert d.missing_evidence == ["provided_by", "wishes_recorded_on"]


FACTS = ContractFacts(provider="Bucks Therapy Partnership", service="integrated therapies", stream="health",
                      annual_value_pence=480_000_00, contracted_units=4_800, unit="hour",
                      start_date=date(2026, 4, 1), end_date=date(2029, 3, 31), renewal_date=date(2027, 3, 31),
                      max_release_percent=10, min_retained_units=None, fixed_cost_percent=25, separable=True,
                      inseparable_reason=None, released_units=100)


def test_CON_07_the_family_summary_says_what_who_how_much_why_and_how_to_ask():
    s = summarise(FACTS)
    parts = s["parts"]
    assert parts["what"].startswith("The council pays for 4,800 hours of integrated therapies a year "
                                    "(health)")
    assert parts["who"].startswith("Bucks Therapy Partnership provides it")
    assert "One hour costs £100.00" in parts["price"] and "£75.00 for the service itself" in parts["price"]
    assert parts["how_much"] == ("Up to 480 hours a year (10% of the contract) can go into personal budgets; "
                                 "380 hours of that are still available.")
    assert "not harmed" in parts["why"] and "case worker" in parts["how_to_ask"]
    assert s["text"] == " ".join(parts.values())
    assert s["figures"]["available_units"] == 380


def test_CON_07_the_summary_names_every_public_funder_and_its_share():
    s = summarise(replace(FACTS, funders={"council": 60, "icb": 30, "schools_forum": 10}))
    assert s["parts"]["what"].startswith(
        "The council (60%), the local NHS (30%) and schools forum (10%) pay for")


def test_CON_07_an_inseparable_contract_summary_gives_the_reason():
    s = summarise(replace(FACTS, separable=False, inseparable_reason="one nurse covers the whole school"))
    assert s["parts"]["how_much"].startswith("None of this contract")
    assert "one nurse covers the whole school" in s["parts"]["why"]


@settings(max_examples=60, deadline=None)
@given(asks=st.lists(st.tuples(st.booleans(), st.integers(1, 200)), min_size=1, max_size=30),
       pct=st.integers(0, 100), retained=st.none() | st.integers(0, 4_800))
def test_CON_04_no_sequence_of_requests_and_withdrawals_ever_releases_past_the_limit(asks, pct, retained):
    terms = replace(TERMS, max_release_percent=pct, min_retained_units=retained)
    limit = release_limit_units(contracted_units=4_800, max_release_percent=pct, min_retained_units=retained)
    active: list[int] = []
    for withdraw, units in asks:
        if withdraw and active:
            active.pop()
            continue
        d = decide(replace(terms, released_units=sum(active)), ask(units=units), today=TODAY)
        assert (d.decision == "approved") == (sum(active) + units <= limit)
        if d.decision == "approved":
            active.append(units)
        assert sum(active) <= limit
