"""``sendpb demo``: the journey of DOMAIN.md §6 for a handful of families in two LAs, against a running platform,
told as it happens: what each family was offered and why, what was paid, what the ICB changed."""
from __future__ import annotations

import time
from datetime import date

import httpx

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


async def tell(client: httpx.AsyncClient, *, out=print, today: date | None = None) -> int:
    """Run the journey for every demo family; returns how many completed."""
    ready = await client.get("/readyz")
    if ready.status_code != 200:
        out(f"The platform is not ready: {ready.text[:300]}")
        return 0
    api, done, started = Api(client), 0, time.perf_counter()
    out("sendpb demo: six stages per family — request, RAS, budget, panel, direct payment, reviews and audit\n")
    for family in FAMILIES:
        story: list[str] = []
        try:
            await run(api, family, today=today or date.today(), story=story)
            done += 1
        except JourneyError as exc:
            story.append(f"  Stopped: {exc}")
        out(f"[{LA_NAMES.get(family.local_authority, family.local_authority)}] " + "\n".join(story) + "\n")
    out(f"{done} of {len(FAMILIES)} families completed in {time.perf_counter() - started:.1f}s. "
        "Every figure above came from the API; the services moved the money between them by events.")
    return done


async def main(base_url: str) -> int:
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
        try:
            done = await tell(client)
        except httpx.ConnectError:
            print(f"Nothing answers at {base_url}: start the platform first (make run).")
            return 2
    return 0 if done == len(FAMILIES) else 1
