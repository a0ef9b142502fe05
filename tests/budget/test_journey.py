"""The journey through the gateway on the embedded platform: open, provision, submit, panel, agree; another LA
sees nothing."""
from tests.budget.helpers import child, line, new_budget


async def test_a_budget_from_opening_to_agreement_through_the_gateway(platform):
    casework, admin = await platform.token("dev-casework"), await platform.token("dev-admin")
    other = await platform.token("dev-other-la")
    client = platform.client
    opened = await client.post("/v1/budgets", json=new_budget(child(), indicative={"social_care": 400_000}),
                               headers=casework)
    assert opened.status_code == 201, opened.text
    url = f"/v1/budgets/{opened.json()['id']}"
    added = await client.post(f"{url}/provisions", json=line("social_care", 450_000), headers=casework)
    assert added.status_code == 201, added.text
    assert (await client.post(f"{url}/submit", headers=casework)).json()["status"] == "submitted"
    refused = await client.post(f"{url}/agree", headers=casework)
    assert refused.status_code == 409 and refused.json()["rule"] == "BUD-06"
    decided = await client.post(
        f"{url}/panel-decisions",
        headers=admin,
        json={
            "stream": "social_care",
            "decision": "approved",
            "agreed_pence": 450_000,
            "decided_by": "Head of care",
        },
    )
    assert decided.status_code == 201 and decided.json()["extra_pence"] == 50_000
    agreed = await client.post(f"{url}/agree", headers=casework)
    assert agreed.status_code == 200, agreed.text
    assert agreed.json()["status"] == "agreed"
    assert agreed.json()["streams"]["social_care"]["available_pence"] == 450_000
    assert (await client.get(url, headers=other)).status_code == 404
    assert (await client.get(f"{url}/ledger", headers=other)).status_code == 404
    assert (await client.get(f"{url}/statement", headers=other)).status_code == 404
