"""``sendpb demo``: the journey of DOMAIN.md §6 for a handful of families in two LAs, against a running platform,
told as it happens: what each family was offered and why, what was paid, what the ICB changed; then three stories of
the whole policy (``sendpb/stories.py``): a dispute going to panel (BUD-13), a misuse recovery repaid by a plan
(PAY-10) and a young person approaching 18 (ELIG-14)."""
from __future__ import annotations

import time
from datetime import date, timedelta

import httpx

from sendpb import stories
from sendpb.journey import Api, Family, JourneyError, run

FAMILIES = (
    Family("Okafor", "E06000060", date(2015, 3, 14)),
    Family("Nowak", "E06000060", date(2009, 11, 2), answers=("some", "lots", "some", "some", "none", "lots"),
           pa_hours_per_week=4),
    Family("Hughes", "E06000049", date(2018, 6, 30), answers=("lots", "lots", "some", "exceptional", "some"),
           pa_hours_per_week=8, pa_rate_pence=1650),
    Family("Begum", "E06000049", date(2011, 1, 21), answers=("some", "some", "lots", "none"),
           pa_hours_per_week=5, pa_rate_pence=1300),
)
LA_NAMES = {"E06000060": "Buckinghamshire", "E06000049": "Cheshire East"}
DISPUTE, MISUSE = "Okafor", "Nowak"  # whose budget goes to panel (BUD-13), whose direct payment was misused (PAY-10)
YOUNG_PERSON = "Adeyemi"  # turns 18 within the notice window (ELIG-14)


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def young_person(today: date) -> Family:
    """A young person turning 18 four months after ``today``, who asks for themself (ELIG-04) and whose plan
    recorded transition at a review two years ago (ELIG-14)."""
    born = _years_before(today + timedelta(days=120), 18)
    return Family(YOUNG_PERSON, "E06000060", born, answers=("some", "lots", "lots", "some", "none", "some"),
                  pa_hours_per_week=6, requested_by="young_person",
                  transition={"reviewed_on": (today - timedelta(days=730)).isoformat(),
                              "plan": "College from September, then supported employment; travel training to "
                                      "get there on their own"})


def families(today: date) -> tuple[Family, ...]:
    return (*FAMILIES, young_person(today))


async def _stories(api: Api, family: Family, facts: dict, *, today: date, story: list[str],
                   announce: stories.Announce | None) -> None:
    casework = "dev-casework" if family.local_authority == "E06000060" else "dev-admin"
    finance = "dev-finance" if family.local_authority == "E06000060" else "dev-admin"
    if family.name == DISPUTE:
        await stories.dispute_to_panel(api, facts, today=today, story=story, casework=casework, panel="dev-admin")
    if family.name == MISUSE:
        await stories.misuse_recovered(api, facts, today=today, story=story, casework=casework, finance=finance)
    if family.name == YOUNG_PERSON:
        await stories.approaching_adulthood(api, facts, la=family.local_authority, story=story, casework=casework,
                                            announce=announce)


async def tell(client: httpx.AsyncClient, *, out=print, today: date | None = None,
               announce: stories.Announce | None = None) -> int:
    """Run the journey for every demo family; returns how many completed. ``announce``: tells adult social care at
    once (the eligibility's hourly job) where the caller can run it, e.g. on the embedded platform."""
    ready = await client.get("/readyz")
    if ready.status_code != 200:
        out(f"The platform is not ready: {ready.text[:300]}")
        return 0
    today = today or date.today()
    api, done, started = Api(client), 0, time.perf_counter()
    out("sendpb demo: six stages per family — request, RAS, budget, panel, direct payment, reviews and audit — then "
        "a dispute going to panel, a misuse recovery and a young person approaching 18\n")
    everyone = families(today)
    for family in everyone:
        story: list[str] = []
        try:
            facts = await run(api, family, today=today, story=story)
            await _stories(api, family, facts, today=today, story=story, announce=announce)
            done += 1
        except JourneyError as exc:
            story.append(f"  Stopped: {exc}")
        out(f"[{LA_NAMES.get(family.local_authority, family.local_authority)}] " + "\n".join(story) + "\n")
    out(f"{done} of {len(everyone)} families completed in {time.perf_counter() - started:.1f}s. "
        "Every figure above came from the API; the services moved the money between them by events.")
    return done


async def main(base_url: str) -> int:
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
        try:
            done = await tell(client)
        except httpx.ConnectError:
            print(f"Nothing answers at {base_url}: start the platform first (make run).")
            return 2
    return 0 if done == len(families(date.today())) else 1
