"""The calibration what-if as a page (RAS-07, issue 20 item 6): every figure in its tables and charts is the JSON
calibration's (read from the JSON answer and from the stored assessments here, never copied from the page's code),
on SQLite and PostgreSQL; it takes the JSON route's scope and tenancy and refuses what the JSON route refuses, as
problem+json naming the query parameter; and it changes nothing."""
from __future__ import annotations

import random
import uuid
from html import unescape
from html.parser import HTMLParser

from kit.money import pounds
from kit.testing import LA, LA2, auth, running_service
from services.ras.app import create_app
from services.ras.service.examples import ecm_model
from tests.ras.helpers import assessment_body, published_example

ADMIN = auth("ras-admin")
CASEWORK = auth("casework")
LEVELS = ("none", "some", "lots", "exceptional")
TITLES = {"education": "Education", "health": "Health", "social_care": "Social care"}


class Page(HTMLParser):
    """The page's tables by caption (rows of cell texts, the header row first) and its charts' marks."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.columns: list[dict[str, str]] = []     # histogram <rect data-count>
        self.lines: list[dict[str, str]] = []       # <polyline data-series>
        self._table: list[list[str]] | None = None
        self._caption: str | None = None
        self._text: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table":
            self._table = []
        elif tag == "tr" and self._table is not None:
            self._table.append([])
        elif tag in ("th", "td", "caption"):
            self._text = []
        elif tag == "rect" and "data-count" in a:
            self.columns.append(a)
        elif tag == "polyline":
            self.lines.append(a)

    def handle_endtag(self, tag):
        if tag == "caption":
            self._caption = "".join(self._text).strip()
            self._text = None
        elif tag in ("th", "td") and self._text is not None:
            self._table[-1].append("".join(self._text).strip())
            self._text = None
        elif tag == "table":
            self.tables[self._caption] = self._table
            self._table = None

    def handle_data(self, data):
        if self._text is not None:
            self._text.append(data)

    def rows(self, caption: str) -> dict[str, list[str]]:
        return {row[0]: row[1:] for row in self.tables[caption][1:]}


async def _seed(client, model_id: str, n: int, rng: random.Random) -> list[dict]:
    results = []
    for i in range(n):
        # every tenth child answers "exceptional" throughout: social care above the ceiling, referred (RAS-04)
        answers = {q["id"]: "exceptional" if i % 10 == 9 else rng.choice(LEVELS) for q in ecm_model(LA)["questions"]}
        created = await client.post("/v1/ras/assessments", headers=CASEWORK, json=assessment_body(
            LA, f"C-{uuid.uuid4().hex[:8]}", answers, model_id=model_id))
        assert created.status_code == 201, created.text
        results.append(created.json())
    return results


def _points_range(label: str) -> tuple[int, int]:
    """``10 to 19 points`` → (10, 19); ``185 points`` → (185, 185)."""
    words = label.split()
    return (int(words[0]), int(words[2])) if words[1] == "to" else (int(words[0]), int(words[0]))


async def test_ras_07_the_page_shows_the_json_calibrations_figures_spread_and_money_lines(backend):
    async with running_service(create_app, backend, service="ras") as svc:
        model = await published_example(svc.client, ADMIN, LA)
        results = await _seed(svc.client, model["id"], 30, random.Random(11))
        money = {"education": 5_000_000, "health": 2_000_000, "social_care": 3_000_000}
        answer = await svc.client.post(f"/v1/ras/models/{model['id']}/calibrations", headers=ADMIN,
                                       json={"available_pence": money, "contingency_percent": 7.5})
        assert answer.status_code == 200, answer.text
        calibration = answer.json()
        r = await svc.client.get(f"/v1/ras/models/{model['id']}/calibration.html", headers=ADMIN,
                                 params={**{f"{s}_pence": v for s, v in money.items()}, "contingency_percent": "7.5"})
        assert r.status_code == 200, r.text
        assert r.headers["content-type"].startswith("text/html")
        assert r.headers["cache-control"] == "no-store" and "script-src" not in r.headers["content-security-policy"]
        page = Page(r.text)
        assert "<script" not in r.text
        assert (f"{pounds(calibration['projected_after_pence'])} a year in all; today's give "
                f"{pounds(calibration['projected_before_pence'])}") in unescape(r.text)

        ceiling = model["ceiling_points"]
        histogram_counts = []
        for stream, figures in calibration["streams"].items():
            title = TITLES[stream]
            got = page.rows(f"{title}: the what-if in figures")
            for label, key in (("Money available a year", "available_pence"), ("To allocate", "spendable_pence"),
                               ("Held back for contingency (7.5%)", "contingency_pence"),
                               ("Cohort's total today", "projected_before_pence"),
                               ("Cohort's total as proposed", "projected_after_pence"),
                               ("Left unallocated", "unallocated_pence")):
                assert got[label] == [pounds(figures[key])], (stream, label)
            assert got["Assessments in the projection"] == [f"{figures['assessments']:,}"]
            assert got["Referred to panel, left out"] == [f"{figures['referred']:,}"]
            assert got["Their points in all"] == [f"{figures['total_points']:,}"]

            # The spread: each range's count is the stored results' (not referred) count in it.
            spread = page.rows(f"{title}: assessments by points")
            referred = spread.pop(f"Above {ceiling} points: referred to panel")
            assert referred == [str(figures["referred"])]
            scored = [a["points"][stream] for a in results if a["points"][stream] <= ceiling]
            assert figures["referred"] == len(results) - len(scored)
            assert figures["referred"] > 0 or stream != "social_care"  # 10 questions × 28 points go above it
            for label, (count,) in spread.items():
                low, high = _points_range(label)
                assert int(count) == sum(low <= p <= high for p in scored), (stream, label)
            assert sum(int(c) for (c,) in spread.values()) == figures["assessments"]
            histogram_counts += [c for (c,) in spread.values() if c != "0"]

            # The money line: today's and the proposed conversion, read off the JSON's.
            line = page.rows(f"{title}: indicative budget a year by points")
            assert line.pop(f"Above {ceiling} points") == ["Referred to panel", "Referred to panel"]
            current, proposed = figures["current"], figures["proposed"]
            if current["method"] == "price_per_point":
                assert got["Conversion today"] == [f"{pounds(current['pence_per_point'])} a point"]
                assert got["Proposed conversion"] == [f"{pounds(proposed['pence_per_point'])} a point"]
                assert len(line) >= 3 and f"{ceiling} points" in line
                for label, amounts in line.items():
                    points = _points_range(label)[0]
                    assert amounts == [pounds(points * current["pence_per_point"]),
                                       pounds(points * proposed["pence_per_point"])]
            else:
                assert figures["scale_basis_points"] < 10_000
                assert got["Proposed conversion"][0].endswith(
                    f"every amount scaled to {figures['scale_basis_points'] / 100:g}%")
                assert [(_points_range(label), amounts) for label, amounts in line.items()] == [
                    ((b["min_points"], b["max_points"]), [pounds(b["amount_pence"]), pounds(p["amount_pence"])])
                    for b, p in zip(current["bands"], proposed["bands"], strict=True)]

        # The charts draw the tables' numbers: a column per range holding any, a line per conversion.
        assert [c["data-count"] for c in page.columns] == histogram_counts
        assert [line["data-series"] for line in page.lines] == ["Today", "Proposed"] * len(calibration["streams"])
        # Nothing changed: the model is as it was.
        assert (await svc.client.get(f"/v1/ras/models/{model['id']}", headers=ADMIN)).json() == model


async def test_ras_07_the_page_takes_a_cohort_and_the_las_default_contingency(ras):
    model = await published_example(ras.client, ADMIN, LA)
    results = await _seed(ras.client, model["id"], 6, random.Random(5))
    cohort = [a["id"] for a in results[:4]]
    answer = (await ras.client.post(f"/v1/ras/models/{model['id']}/calibrations", headers=ADMIN,
                                    json={"available_pence": {"education": 800_000}, "cohort": cohort})).json()
    r = await ras.client.get(f"/v1/ras/models/{model['id']}/calibration.html", headers=ADMIN,
                             params={"education_pence": 800_000, "cohort": cohort})
    assert r.status_code == 200, r.text
    page = Page(r.text)
    education = answer["streams"]["education"]
    assert answer["cohort_size"] == 4 and answer["contingency_basis_points"] == 500
    assert page.rows("Education: the what-if in figures")["Held back for contingency (5%)"] == [
        pounds(education["contingency_pence"])]
    assert page.rows("Education: the what-if in figures")["Their points in all"] == [f"{education['total_points']:,}"]
    assert "Health: the what-if in figures" not in page.tables  # only the streams asked about
    # The form sends a field left empty as `name=`: not given, as leaving it out is (so the LA's default here).
    emptied = await ras.client.get(f"/v1/ras/models/{model['id']}/calibration.html", headers=ADMIN, params={
        "education_pence": 800_000, "health_pence": "", "contingency_percent": "", "cohort": cohort})
    assert emptied.status_code == 200, emptied.text
    assert Page(emptied.text).tables == page.tables
    # The form tries other figures with the same cohort: each id is carried in the form.
    assert all(f'<input type="hidden" name="cohort" value="{i}">' in r.text for i in cohort)
    assert 'name="education_pence" aria-describedby="education_pence-hint" value="800000"' in r.text


async def test_ras_07_the_page_refuses_what_the_json_refuses_as_problem_json_naming_the_parameter(ras):
    model = await published_example(ras.client, ADMIN, LA)
    await _seed(ras.client, model["id"], 3, random.Random(1))
    url = f"/v1/ras/models/{model['id']}/calibration.html"

    async def refused(params: dict, field: str) -> dict:
        r = await ras.client.get(url, params=params, headers=ADMIN)
        assert r.status_code == 422, (params, r.text)
        assert r.headers["content-type"] == "application/problem+json"
        assert field in [e["field"] for e in r.json()["errors"]], (params, r.json())
        return r.json()

    assert (await refused({}, "available_pence"))["rule"] == "RAS-07"
    await refused({"education_pence": -1}, "education_pence")
    await refused({"education_pence": "lots"}, "education_pence")
    await refused({"education_pence": 10**13 + 1}, "education_pence")
    await refused({"education_pence": 100, "contingency_percent": 100}, "contingency_percent")
    await refused({"education_pence": 100, "contingency_percent": "7.125"}, "contingency_percent")
    transport = await refused({"transport_pence": 5}, "transport_pence")  # the example model has no transport
    assert "transport_pence" in transport["detail"]
    unknown = await refused({"education_pence": 100, "cohort": ["nope"]}, "cohort[0]")
    assert unknown["errors"] == [{"field": "cohort[0]", "message": "nope is not an assessment on this model"}]
    await refused({"education_pence": 100, "cohort": [f"id-{i}" for i in range(101)]}, "cohort")
    await refused({"education_pence": 100, "cohort": ["a\x00b"]}, "cohort.0")  # PostgreSQL stores no NUL


async def test_ras_07_the_page_has_the_json_routes_scope_and_tenancy(ras):
    model = await published_example(ras.client, ADMIN, LA)
    await _seed(ras.client, model["id"], 2, random.Random(2))
    page = f"/v1/ras/models/{model['id']}/calibration.html"
    query = {"education_pence": 1_000_000}
    json_route = f"/v1/ras/models/{model['id']}/calibrations"
    body = {"available_pence": {"education": 1_000_000}}
    for headers, status in ((CASEWORK, 403), (auth("read"), 403), (auth("ras-admin", las=[LA2]), 404), ({}, 401),
                            (ADMIN, 200)):
        as_page = await ras.client.get(page, params=query, headers=headers)
        as_json = await ras.client.post(json_route, json=body, headers=headers)
        assert as_page.status_code == as_json.status_code == status, (headers, as_page.text)
        if status != 200:
            assert as_page.headers["content-type"] == "application/problem+json"
    # Another LA's model is not found before the query is judged: nothing says it exists.
    other = await ras.client.get(page, headers=auth("ras-admin", las=[LA2]))
    assert other.status_code == 404 and model["name"] not in other.text
    missing = await ras.client.get(f"/v1/ras/models/{uuid.uuid4()}/calibration.html", params=query, headers=ADMIN)
    assert missing.status_code == 404
