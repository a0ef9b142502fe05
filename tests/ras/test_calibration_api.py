"""Calibration through the API (RAS-07): the cohort is aggregated in SQL (on SQLite and PostgreSQL) and the
proposal matches the arithmetic done by hand on the stored results; the model never changes."""
import random
import uuid
from decimal import Decimal

from kit.testing import LA, auth, running_service
from services.ras.app import create_app
from services.ras.domain.calibration import band_scale, banded_total, budget_after_contingency
from services.ras.service.examples import ecm_model
from tests.ras.helpers import answers_for, assessment_body, published_example

ADMIN = auth("ras-admin")
CASEWORK = auth("casework")
LEVELS = ("none", "some", "lots", "exceptional")
NORFOLK = ecm_model(LA)["conversions"]["social_care"]["bands"]


async def seed(client, model_id: str, n: int, rng: random.Random) -> list[dict]:
    results = []
    for _ in range(n):
        answers = {q["id"]: rng.choice(LEVELS) for q in ecm_model(LA)["questions"]}
        body = assessment_body(LA, f"C-{uuid.uuid4().hex[:8]}", answers, model_id=model_id)
        created = await client.post("/v1/ras/assessments", json=body, headers=CASEWORK)
        assert created.status_code == 201, created.text
        results.append(created.json())
    return results


def band_counts(results: list[dict]) -> list[tuple[int, int]]:
    points = [r["points"]["social_care"] for r in results]
    return [(b["amount_pence"],
             sum(b["min_points"] <= p <= b["max_points"] for p in points)) for b in NORFOLK]


async def test_ras_07_the_proposal_is_the_largest_that_fits_and_the_model_is_untouched(backend):
    async with running_service(create_app, backend, service="ras") as svc:
        model = await published_example(svc.client, ADMIN, LA)
        results = await seed(svc.client, model["id"], 24, random.Random(7))
        replaced = results.pop(0)
        renewed = await svc.client.post("/v1/ras/assessments", headers=CASEWORK, json=assessment_body(
            LA, replaced["child_id"], answers_for(ecm_model(LA), education=112, social_care=70),
            supersedes_assessment_id=replaced["id"], model_id=model["id"]))
        results.append(renewed.json())
        request = {"available_pence": {"education": 5_000_000, "social_care": 3_000_000},
                   "contingency_percent": 7.5, "cohort": None}
        answer = await svc.client.post(f"/v1/ras/models/{model['id']}/calibrations", json=request,
                                       headers=ADMIN)
        assert answer.status_code == 200, answer.text
        got = answer.json()

        assert got["cohort_size"] == 24  # the superseded result is left out
        assert got["contingency_basis_points"] == 750
        education = got["streams"]["education"]
        points = sum(r["points"]["education"] for r in results)
        price = 4_625_000 // points
        assert (education["total_points"], education["spendable_pence"], education["contingency_pence"]) == (
            points, 4_625_000, 375_000)
        assert education["proposed"] == {"method": "price_per_point", "pence_per_point": price}
        assert education["projected_before_pence"] == 10_000 * points
        assert education["projected_after_pence"] == price * points <= 4_625_000 < (price + 1) * points

        social = got["streams"]["social_care"]
        counted = [r for r in results if r["points"]["social_care"] <= 185]
        counts = band_counts(counted)
        factor = band_scale(counts, budget_after_contingency(3_000_000, 750).spendable_pence)
        assert (social["assessments"], social["referred"]) == (len(counted), len(results) - len(counted))
        assert social["scale_basis_points"] == factor
        assert social["projected_before_pence"] == sum(r["indicative_pence"].get("social_care",
                                                                                 0) for r in results)
        assert social["projected_after_pence"] == banded_total(counts, factor) <= social["spendable_pence"]
        both = education["projected_after_pence"] + social["projected_after_pence"]
        assert got["projected_after_pence"] == both

        chosen = [r["id"] for r in results[:5]]
        subset = await svc.client.post(f"/v1/ras/models/{model['id']}/calibrations", headers=ADMIN, json={
            **request, "cohort": chosen})
        few_points = sum(r["points"]["education"] for r in results[:5])
        assert subset.json()["cohort_size"] == 5
        assert subset.json()["streams"]["education"]["total_points"] == few_points

        assert (await svc.client.get(f"/v1/ras/models/{model['id']}", headers=ADMIN)).json() == model
        proposal = {**{k: v for k, v in ecm_model(LA).items() if k not in ("local_authority", "name")},
                    "conversions": got["proposed_conversions"]}
        v2 = await svc.client.post(f"/v1/ras/models/{model['id']}/versions", json=proposal, headers=ADMIN)
        assert v2.status_code == 201 and v2.json()["validation"]["valid"], v2.text


async def test_ras_07_calibration_refuses_what_it_cannot_calibrate(ras):
    model = await published_example(ras.client, ADMIN, LA)
    url = f"/v1/ras/models/{model['id']}/calibrations"
    money = {"available_pence": {"education": 1_000_000}, "contingency_percent": 5}

    nobody = await ras.client.post(url, json={**money, "cohort": None}, headers=ADMIN)
    assert nobody.status_code == 422 and nobody.json()["errors"][0]["field"] == "cohort"
    empty = await ras.client.post(url, json={**money, "cohort": []}, headers=ADMIN)
    assert empty.status_code == 422 and empty.json()["rule"] == "RAS-07"

    zero = await ras.client.post("/v1/ras/assessments", headers=CASEWORK, json=assessment_body(
        LA, "C-zero", answers_for(ecm_model(LA)), model_id=model["id"]))
    no_points = await ras.client.post(url, json={**money, "cohort": [zero.json()["id"]]}, headers=ADMIN)
    assert no_points.status_code == 422
    assert no_points.json()["errors"][0]["field"] == "available_pence.education"

    unknown = await ras.client.post(url, json={**money, "cohort": [zero.json()["id"], "nope"]}, headers=ADMIN)
    assert unknown.status_code == 422 and unknown.json()["errors"] == [
        {"field": "cohort[1]", "message": "nope is not an assessment on this model"}]
    transport = await ras.client.post(url, json={"available_pence": {"transport": 5}}, headers=ADMIN)
    assert transport.status_code == 422
    assert transport.json()["errors"][0]["field"] == "available_pence.transport"
    casework = await ras.client.post(url, json=money, headers=CASEWORK)
    assert casework.status_code == 403


async def test_ras_07_the_contingency_defaults_to_the_las_configured_share(ras, monkeypatch):
    model = await published_example(ras.client, ADMIN, LA)
    assessed = await ras.client.post("/v1/ras/assessments", headers=CASEWORK, json=assessment_body(
        LA, "C-default", answers_for(ecm_model(LA), education=21), model_id=model["id"]))
    body = {"available_pence": {"education": 1_000_000}, "cohort": [assessed.json()["id"]]}
    url = f"/v1/ras/models/{model['id']}/calibrations"
    default = (await ras.client.post(url, json=body, headers=ADMIN)).json()
    assert default["contingency_basis_points"] == 500
    assert default["streams"]["education"]["spendable_pence"] == 950_000
    monkeypatch.setitem(ras.runtime.settings.contingency_percent, LA, Decimal("8.25"))
    configured = (await ras.client.post(url, json=body, headers=ADMIN)).json()
    assert configured["contingency_basis_points"] == 825
    assert configured["streams"]["education"]["proposed"]["pence_per_point"] == 917_500 // 21
