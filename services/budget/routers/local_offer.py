"""The local offer of personal budgets (BUD-15): published information, read with no token, as JSON or as a small
plain-English HTML page. No child's data, so no audit trail (there is no budget to record a read of)."""
from __future__ import annotations

from html import escape

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from kit.service import settings_of
from services.budget.domain.disputes import STEPS
from services.budget.domain.local_offer import LocalOffer
from services.budget.schemas import LocalOfferRead
from services.budget.service.local_offer import published

router = APIRouter(tags=["budgets: local offer"])

LocalAuthority = Path(pattern=r"^[EWSN]\d{8}$", description="ONS code of the local authority, e.g. E06000060")
CACHE = {"Cache-Control": "public, max-age=300", "Vary": "Accept"}
TOO_LARGE = {413: {"description": "The request's body is over the size limit (a read takes none)"}}
RESPONSES = {200: {"content": {"text/html": {"schema": {"type": "string"}}},
                   "description": "The local offer: JSON, or HTML when the caller accepts `text/html` first"},
             **TOO_LARGE}


@router.get("/local-offer/{local_authority}.html", summary="An LA's local offer as a web page",
            response_class=HTMLResponse,
            responses={200: {"description": "The local offer, plain-English HTML"}, **TOO_LARGE})
async def local_offer_page(request: Request, local_authority: str = LocalAuthority) -> HTMLResponse:
    """The LA's local offer of personal budgets (BUD-15) as a small, accessible HTML page in plain English. Public:
    no token. An LA that publishes none here is **404**."""
    return HTMLResponse(page(published(settings_of(request), local_authority)), headers=CACHE)


@router.get("/local-offer/{local_authority}", summary="An LA's local offer of personal budgets",
            response_model=LocalOfferRead, responses=RESPONSES)
async def local_offer(request: Request, local_authority: str = LocalAuthority) -> Response:
    """What the LA publishes for every family (BUD-15), with no token (it is published information, with no
    child's data): its menu (`streams`: what a personal budget may buy from each stream, the provision categories of
    `GET /v1/budgets/provision-categories`), what it may never buy (`cannot_buy`: a place at a school, college or
    early-years setting, BUD-03), its personal budget `policy` (where it is, and a summary) and where families get
    independent `advice` (its SENDIAS service). JSON; plain-English HTML when the request's `Accept` prefers
    `text/html` (or at `/v1/budgets/local-offer/{local_authority}.html`). An LA that publishes none here is
    **404**."""
    offer = published(settings_of(request), local_authority)
    if wants_html(request.headers.get("accept", "")):
        return HTMLResponse(page(offer), headers=CACHE)
    return JSONResponse(LocalOfferRead.model_validate(offer).model_dump(mode="json"), headers=CACHE)


def wants_html(accept: str) -> bool:
    """Whether ``Accept`` prefers HTML to JSON: the higher quality wins, and on a tie the type named first."""
    best: dict[str, tuple[float, int]] = {}
    for i, part in enumerate(accept.split(",")):
        kind, *params = [p.strip() for p in part.split(";")]
        q = 1.0
        for p in params:
            if p.startswith("q="):
                try:
                    q = float(p[2:])
                except ValueError:
                    q = 0.0
        for t in ("text/html", "application/json"):
            if kind == t and (t not in best or q > best[t][0]):
                best[t] = (q, -i)
    html, json = best.get("text/html", (0.0, 0)), best.get("application/json", (0.0, 0))
    return html[0] > 0 and html > json


def page(offer: LocalOffer) -> str:
    """The local offer as a small HTML page: a language, headings in order, lists, and a table with headers."""
    e = escape
    streams = offer.streams
    head = "".join(f'<th scope="col">{e(s.name)}</th>' for s in streams)
    ids = {s.stream: {i.id for i in s.can_buy} for s in streams}
    items = {i.id: i for s in streams for i in s.can_buy}
    rows = "".join(
        f'<tr><th scope="row">{e(item.label)}</th>'
        + "".join(f"<td>{'Yes' if item.id in ids[s.stream] else 'No'}</td>" for s in streams) + "</tr>"
        for item in items.values())
    menus = "".join(
        f"<h3>{e(s.name)}</h3><ul>"
        + "".join(f"<li><strong>{e(i.label)}</strong>: {e(i.description)}</li>" for i in s.can_buy) + "</ul>"
        for s in streams)
    never = "".join(f"<li><strong>{e(r.label)}</strong>: {e(r.description)}</li>" for r in offer.cannot_buy)
    why = e(offer.cannot_buy[0].reason) if offer.cannot_buy else ""
    phone = (f'<li>Phone: <a href="tel:{e(offer.advice.phone.replace(" ", ""))}">{e(offer.advice.phone)}</a></li>'
             if offer.advice.phone else "")
    steps = "".join(f"<li>{e(s)}</li>" for s in (
        "Ask the local authority to reconsider the decision.", "Ask for the budget to go back to panel.",
        "Make a complaint through the council's complaints process.",
        "Complain to the Local Government and Social Care Ombudsman.")[:len(STEPS)])
    return (
        '<!doctype html>\n<html lang="en-GB">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>Personal budgets: the local offer of {e(offer.name)}</title>\n</head>\n<body>\n<main>\n"
        f"<h1>Personal budgets in {e(offer.name)}</h1>\n"
        "<p>If your child or young person has an Education, Health and Care Plan, you can ask for a personal budget: "
        "money to arrange some of the support in the plan yourselves. This page says what a personal budget can and "
        "cannot pay for here, where our policy is, and where to get free, independent advice.</p>\n"
        f"<h2>What a personal budget can pay for</h2>\n{menus}\n"
        "<table>\n<caption>What each part of a personal budget can pay for</caption>\n"
        f'<thead><tr><th scope="col">Support</th>{head}</tr></thead>\n<tbody>{rows}</tbody>\n</table>\n'
        f"<h2>What a personal budget can never pay for</h2>\n<p>{why}</p>\n<ul>{never}</ul>\n"
        f"<h2>Our personal budget policy</h2>\n<p>{e(offer.policy.summary)}</p>\n"
        f'<p><a href="{e(offer.policy.url)}">Read the personal budget policy of {e(offer.name)}</a></p>\n'
        f"<h2>Independent advice</h2>\n<p>{e(offer.advice.name)}: {e(offer.advice.about)}</p>\n"
        f'<ul><li>Website: <a href="{e(offer.advice.url)}">{e(offer.advice.url)}</a></li>{phone}</ul>\n'
        "<h2>If you disagree with a decision</h2>\n<p>You can take these steps, in this order. Every decision we "
        f"send you says which step is next.</p>\n<ol>{steps}</ol>\n"
        "</main>\n</body>\n</html>\n")
