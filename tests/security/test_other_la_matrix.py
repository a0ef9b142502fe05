"""OWASP API1 (object level): a client of another LA holding every scope gets 404 for every record of this LA, on
every route that names a record — never the record, never a hint that it exists. The records are made by the
end-to-end journey; a route whose path names a record the journey does not make fails here until it is added."""
import uuid
from datetime import date

from sendpb.journey import Api, Family, run
from tests.security.routes import route_table

# No journey step makes these; their parent is real.
UNSEEDED = {"variation_id", "transaction_id", "notice_id", "evidence_request_id"}
# The journey records no change of circumstances, so no re-assessment request (BUD-12): a made-up id; another LA's
# real request is proved a 404 in tests/ras/test_reassessments.py and tests/ras/test_gateway.py.
UNSEEDED |= {"reassessment_id"}
# CON-10: a child's id is in the path of GET /v1/contracts/children/{child_id}/summaries, and a problem's `instance`
# echoes the path, so the journey's child would be "revealed" by the caller's own words: a made-up id here; another
# LA's real child is proved a 404 in tests/contracts/test_children_served.py and tests/contracts/test_gateway.py.
UNSEEDED |= {"child_id"}
# The journey opens no dispute (BUD-13): a made-up id under the real budget; another LA's real dispute is proved a
# 404 in tests/budget/test_disputes.py.
UNSEEDED |= {"dispute_id"}
# The journey issues no family link (issue 20); another LA's caseworker is refused the real budget's links in
# tests/family/test_family_links.py.
UNSEEDED |= {"link_id"}
# The journey's recovery is a surplus one, with no repayment plan (PAY-10): a made-up repayment under the real
# recovery; another LA's real repayment is proved a 404 in tests/payments/test_repayments.py.
UNSEEDED |= {"repayment_id"}


async def test_another_las_client_gets_404_for_every_record_of_this_la(platform, tmp_path):
    facts = await run(Api(platform.client), Family("Matrix", "E06000060", date(2014, 5, 5)), today=date.today(),
                      story=[])
    ids = {k: v for k, v in facts["ids"].items() if v}
    other = await platform.token("dev-other-la")
    checked = 0
    for route in route_table(tmp_path):
        params = [p.strip("{}") for p in route.path.split("/") if p.startswith("{")]
        if not params:
            continue
        missing = [p for p in params if p not in ids and p not in UNSEEDED]
        assert not missing, f"{route.method} {route.path}: the journey makes no {missing}; seed it"
        url = route.url(**ids, **{p: str(uuid.uuid4()) for p in UNSEEDED})
        r = await platform.client.request(route.method, url, headers=other, **({"json": {}} if route.method != "GET"
                                                                                 else {}))
        if route.method == "GET":
            assert r.status_code == 404, f"GET {url} as another LA: {r.status_code} {r.text[:200]}"
        else:
            # A body that is not valid is refused before the record is looked up; either way nothing is revealed.
            assert r.status_code in (404, 422), f"{route.method} {url} as another LA: {r.status_code} {r.text[:200]}"
        if r.status_code == 404:
            assert "Matrix" not in r.text and facts["child_id"] not in r.text
        checked += 1
    assert checked >= 40
