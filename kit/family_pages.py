"""The frame of every page a family opens from a signed link (issue 20): the style (GOV.UK-like, WCAG 2.2 AA), the
headers that keep a child's figures private, the plain-English refusals (link not right, expired, withdrawn), the
form a family acts with, and the same page as a PDF for letters (WeasyPrint).

A service writes its page's four parts, in the order a family needs them: what the money is, what was paid, what
is left, what the family can do next (``document``); everything around them is here."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from html import escape

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from kit.errors import PROBLEM_JSON, problem
from kit.family import EXPIRED, INVALID, REVOKED

PARTS = ("What the money is", "What was paid", "What is left", "What you can do next")
CSS = """
body{font-family:Arial,Helvetica,sans-serif;font-size:19px;line-height:1.45;color:#0b0c0c;background:#fff;
margin:0}
header{background:#0b0c0c;color:#fff;padding:12px 16px}
header p{margin:0;font-weight:bold}
main{max-width:40em;margin:0 auto;padding:8px 16px 32px;overflow-wrap:anywhere}
h1{font-size:32px;line-height:1.2;margin:16px 0 8px}
h2{font-size:26px;margin:32px 0 8px;border-top:2px solid #b1b4b6;padding-top:16px}
h3{font-size:21px;margin:20px 0 4px}
.sum{font-size:21px;font-weight:bold;background:#f3f2f1;padding:12px;border-left:6px solid #1d70b8}
table{border-collapse:collapse;width:100%;margin:12px 0;font-size:16px}
caption{text-align:left;font-weight:bold;padding-bottom:6px}
th,td{border-bottom:1px solid #b1b4b6;padding:6px 8px 6px 0;text-align:left}
td.n,th.n{text-align:right}
.chart{max-width:100%;height:auto}
a{color:#1d70b8}
a:focus,button:focus,textarea:focus{outline:3px solid #ffdd00;outline-offset:0;box-shadow:0 4px #0b0c0c}
label{display:block;font-weight:bold;margin:12px 0 4px}
textarea{width:100%;max-width:30em;font:inherit;border:2px solid #0b0c0c;padding:6px;box-sizing:border-box}
button{font:inherit;font-weight:bold;background:#00703c;color:#fff;border:0;padding:10px 16px;margin-top:12px;
box-shadow:0 2px #002d18;cursor:pointer;min-height:44px}
.print-only{display:none}
@media print{.screen-only{display:none}.print-only{display:block}header{background:#fff;color:#0b0c0c}
body{font-size:12pt}h2{break-after:avoid}}
"""
# A page holding a child's figures: never cached, never sent on as a Referer, never indexed, never framed; it runs
# no script and posts its one form to itself. The form needs no CSRF token: it carries no cookie or session to
# ride on, the signed link in its address is the capability, and the action it records is recorded once per link.
HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
                               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
}
REFUSALS = {
    INVALID: (404, "not-found", "This link does not work",
              "This link is not complete or not right. Check that you copied all of it, or ask your caseworker to "
              "send you a new one."),
    EXPIRED: (410, "gone", "This link has expired",
              "Links to your child's documents last a few weeks, to keep them private. Ask your caseworker to send "
              "you a new link."),
    REVOKED: (410, "gone", "This link has been withdrawn",
              "The council withdrew this link. Ask your caseworker to send you a new one if you still need it."),
}
GONE = {"description": "the link expired or was revoked; a page when a browser asks for HTML",
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}}
NOT_OURS = {"description": "not a link this service issued (or altered); a page when a browser asks for HTML"}


def long_date(d: date) -> str:
    """``1 December 2026``: how a date reads in a letter."""
    return f"{d.day} {d:%B %Y}"


def p(text: str) -> str:
    return f"<p>{escape(text)}</p>"


def bullets(items: Iterable[str]) -> str:
    return "<ul>" + "".join(f"<li>{escape(i)}</li>" for i in items) + "</ul>"


def page(*, title: str, label: str, body: str) -> str:
    """A whole page: ``title`` (the tab and the heading), ``label`` (the bar at the top) and the ``body`` HTML."""
    return (
        '<!doctype html><html lang="en-GB"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="robots" content="noindex, nofollow">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>"
        f'<header><p>{escape(label)}</p></header><main id="main">{body}</main></body></html>'
    )


def message_page(title: str, message: str, *, label: str = "Personal budget statement", back_url: str | None = None,
                 back_text: str = "Back to your statement") -> str:
    """A short page in plain English: a link that no longer opens, a request recorded."""
    back = f'<p><a href="{escape(back_url)}">{escape(back_text)}</a></p>' if back_url else ""
    return page(title=title, label=label, body=f"<h1>{escape(title)}</h1>{p(message)}{back}")


def form(*, action_url: str | None, field: str, label: str, button: str, required: bool = False,
         print_text: str) -> str:
    """The one form of a page (screen only), posting ``field`` to ``action_url``; the printed letter says how to act
    instead (``print_text``). No form without ``action_url`` (the PDF, or nothing left to do)."""
    out = ""
    if action_url:
        need = " required" if required else ""
        hint = "" if required else " (optional)"
        out += (f'<form class="screen-only" method="post" action="{escape(action_url)}">'
                f'<label for="{field}">{escape(label)}{hint}</label>'
                f'<textarea id="{field}" name="{field}" rows="4" maxlength="1000"{need}></textarea>'
                f'<button type="submit">{escape(button)}</button></form>')
    return out + f'<p class="print-only">{escape(print_text)}</p>'


def wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")


def refused(request: Request, status: str, *, label: str = "Personal budget statement") -> Response:
    """A link that opens nothing: a plain-English page when a browser asks; problem+json otherwise."""
    code, slug, title, detail = REFUSALS[status]
    if wants_html(request):
        return HTMLResponse(message_page(title, detail, label=label), status_code=code, headers=HEADERS)
    return problem(code, slug, title, detail, headers=HEADERS)


def answer(request: Request, status_code: int, title: str, detail: str, *, label: str, back_url: str,
           back_text: str, slug: str = "conflict", json: dict | None = None) -> Response:
    """What a family's form answers: a page when a browser asks, else JSON (``json``, or problem+json for a 4xx)."""
    if wants_html(request):
        return HTMLResponse(message_page(title, detail, label=label, back_url=back_url, back_text=back_text),
                            status_code=status_code, headers=HEADERS)
    if status_code >= 400:
        return problem(status_code, slug, title, detail, headers=HEADERS)
    return JSONResponse(json or {"title": title, "detail": detail}, status_code=status_code, headers=HEADERS)


def split_pdf(token: str, fmt: str) -> tuple[str, str]:
    """``<token>.pdf`` is the PDF, as ``?format=pdf`` is (a JWT has exactly two dots)."""
    if token.endswith(".pdf") and token.count(".") == 3:
        return token[:-4], "pdf"
    return token, fmt


def pdf_of(html: str) -> bytes:
    """The page as a PDF (WeasyPrint, print styles: no form, a sentence instead). Imported here, not at start-up:
    WeasyPrint loads Pango, which only these routes need."""
    from weasyprint import HTML

    return HTML(string=html).write_pdf()


async def pdf_response(html: str, filename: str) -> Response:
    pdf = await run_in_threadpool(pdf_of, html)
    return Response(pdf, media_type="application/pdf",
                    headers={**HEADERS, "Content-Disposition": f'inline; filename="{filename}"'})


def html_response(html: str) -> HTMLResponse:
    return HTMLResponse(html, headers=HEADERS)
