"""What the fuzzing found, kept found: each case named by the request that showed it."""
import copy

import pytest

from kit.testing import LA
from services.ras.examples import ecm_model


def _version(**changes) -> dict:
    body = ecm_model(LA)
    del body["local_authority"]
    body.update(changes)
    return body


def _option_points(value) -> dict:
    body = _version()
    body["questions"] = copy.deepcopy(body["questions"])
    body["questions"][0]["options"][0]["points"] = value
    return body


@pytest.mark.parametrize("body, field", [
    (_version(ceiling_points=True), "ceiling_points"),        # was a new version with a ceiling of 1 point
    (_version(ceiling_points="40"), "ceiling_points"),
    (_option_points(False), "questions.0.options.0.points"),
], ids=["ceiling-points-true", "ceiling-points-string", "option-points-false"])
async def test_a_ras_model_version_refuses_anything_but_a_json_integer_for_points(platform, body, field):
    headers = await platform.token("dev-admin")
    model = await platform.client.post("/v1/ras/models", json=ecm_model(LA), headers=headers)
    assert model.status_code == 201, model.text
    r = await platform.client.post(f"/v1/ras/models/{model.json()['id']}/versions", json=body, headers=headers)
    assert r.status_code == 422, r.text
    assert field in [e["field"] for e in r.json()["errors"]], r.json()


async def test_a_ras_calibration_refuses_true_for_the_money_available(platform):
    headers = await platform.token("dev-admin")
    model = await platform.client.post("/v1/ras/models", json=ecm_model(LA), headers=headers)
    r = await platform.client.post(f"/v1/ras/models/{model.json()['id']}/calibrations", headers=headers,
                                   json={"available_pence": {"education": True}})
    assert r.status_code == 422, r.text
    assert [e["field"] for e in r.json()["errors"]] == ["available_pence.education"], r.json()
