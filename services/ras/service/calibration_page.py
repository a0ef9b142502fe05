"""The calibration what-if as a page (RAS-07, issue 20 "look rather than read"): per stream, the figures of the
calibration, how the cohort's points are spread (a histogram) and the money line (points → indicative amount,
today's conversion and the proposed one), each chart with the same numbers as a table. Server-rendered SVG, no
script; the numbers are those of ``calibrate``, the JSON route's, never worked out a second way."""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from html import escape

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from kit.auth import Caller
from kit.charts import Column, Series, histogram_svg, line_chart_svg
from kit.errors import InvalidInput
from kit.money import pounds
from services.ras import repository as repo
from services.ras.domain.calibration_chart import LineRow, PointsRange, bin_width, bins, line_rows, money_line
from services.ras.domain.definition import STREAMS, Bands, Conversion, ModelDefinition
from services.ras.models import RasModel
from services.ras.schemas import CalibrationCreate, CalibrationRead, StreamCalibration
from services.ras.service.calibration import calibrated
from services.ras.service.questionnaires import ensure_valid, get_model
from services.ras.settings import RasSettings

TITLES = {"education": "Education", "health": "Health", "social_care": "Social care", "transport": "Transport"}
# GOV.UK colours: each at least 3:1 against white (WCAG 1.4.11); the two lines also differ by dash (WCAG 1.4.1).
BLUE, GREY, GREEN = "#1d70b8", "#505a5f", "#00703c"


@dataclass(frozen=True)
class StreamPicture:
    stream: str
    figures: StreamCalibration
    current: Conversion
    proposed: Conversion
    ceiling: int | None
    highest: int                                   # the charts run from 0 to this many points
    distribution: list[tuple[PointsRange, int]]    # assessments (not referred) per range of points
    rows: list[LineRow]                            # the money line as a table

    @property
    def title(self) -> str:
        return TITLES[self.stream]

    @property
    def x_max(self) -> int:
        """Where both charts' x-axis ends: the end of the last range of points, so the two line up."""
        return self.distribution[-1][0].last + 1


@dataclass(frozen=True)
class WhatIf:
    row: RasModel
    read: CalibrationRead
    streams: list[StreamPicture]
    convertible: list[str]            # every stream the model converts: the form offers each
    available: dict[str, int]
    contingency_percent: Decimal | None
    cohort: list[str] | None


async def what_if(session: AsyncSession, *, caller: Caller, settings: RasSettings, model_id: str,
                  available: dict[str, int], contingency_percent: Decimal | None,
                  cohort: list[str] | None) -> WhatIf:
    """The calibration of ``calibrate`` and, per stream, the cohort's spread of points and the money lines. The
    model is looked up first, so another LA's model is a 404 whatever the query asks."""
    row = await get_model(session, caller=caller, model_id=model_id)
    if not available:
        raise InvalidInput("name the money available for at least one stream", rule="RAS-07", errors=[
            {"field": "available_pence", "message": "give at least one of "
             + ", ".join(f"{s}_pence" for s in STREAMS) + " (money available a year, in pence)"}])
    model = ensure_valid(row.definition, "the model is not valid, so it cannot be calibrated; every problem is in "
                                         "errors")
    unknown = [s for s in available if s not in model.conversions]
    if unknown:
        raise InvalidInput(f"this model converts no {', '.join(unknown)} points: leave "
                           + ", ".join(f"{s}_pence" for s in unknown) + " out", rule="RAS-07",
                           errors=[{"field": f"{s}_pence", "message": f"this model has no questions for {s}"}
                                   for s in unknown])
    try:
        body = CalibrationCreate(available_pence=available, contingency_percent=contingency_percent, cohort=cohort)
    except ValidationError as exc:  # the router's parameters check the same; a 422, never a 500, if they drift
        raise InvalidInput("the query is not valid", errors=[
            {"field": ".".join(map(str, e["loc"])), "message": e["msg"]} for e in exc.errors()]) from exc
    try:
        done = await calibrated(session, caller=caller, settings=settings, row=row, body=body)
    except InvalidInput as exc:  # name the page's own query parameters, not the JSON body's fields
        for error in exc.errors or ():
            error["field"] = re.sub(r"^available_pence\.(\w+)$", r"\1_pence", error["field"])
        exc.detail = re.sub(r"available_pence\.(\w+)", r"\1_pence", exc.detail)
        raise
    proposed = ModelDefinition.from_dict({"questions": [], "conversions": done.read.proposed_conversions})
    ceiling = done.model.ceiling_points
    pictures = []
    for stream, figures in done.read.streams.items():
        highest = ceiling if ceiling is not None else done.sums[f"{stream}.highest"]
        width = bin_width(highest)
        counts = await repo.points_histogram(session, caller, lineage_id=row.lineage_id, stream=stream,
                                             ceiling=ceiling, width=width, cohort=done.cohort)
        current, new = done.model.conversions[stream], proposed.conversions[stream]
        pictures.append(StreamPicture(
            stream, figures, current, new, ceiling, highest,
            [(r, counts.get(i, 0)) for i, r in enumerate(bins(highest, width))], line_rows(current, new, highest)))
    return WhatIf(row, done.read, pictures, [s for s in STREAMS if s in done.model.conversions], available,
                  contingency_percent, cohort)


# ---------------------------------------------------------------- the page
CSS = """
body{font-family:Arial,Helvetica,sans-serif;font-size:19px;line-height:1.45;color:#0b0c0c;background:#fff;margin:0}
header{background:#0b0c0c;color:#fff;padding:12px 16px}
header p{margin:0;font-weight:bold}
main{max-width:44em;margin:0 auto;padding:8px 16px 32px;overflow-wrap:break-word}
h1{font-size:32px;line-height:1.2;margin:16px 0 8px}
h2{font-size:26px;margin:32px 0 8px;border-top:2px solid #b1b4b6;padding-top:16px}
h3{font-size:21px;margin:20px 0 4px}
.sum{font-size:21px;font-weight:bold;background:#f3f2f1;padding:12px;border-left:6px solid #1d70b8}
table{border-collapse:collapse;width:100%;margin:12px 0;font-size:16px}
caption{text-align:left;font-weight:bold;padding-bottom:6px}
th,td{border-bottom:1px solid #b1b4b6;padding:6px 8px 6px 0;text-align:left;vertical-align:top}
td.n,th.n{text-align:right}
.chart{max-width:100%;height:auto;display:block;margin:8px 0}
a{color:#1d70b8}
label{display:block;font-weight:bold;margin:16px 0 2px}
.hint{display:block;color:#505a5f;font-size:16px;margin-bottom:4px}
input{font:inherit;border:2px solid #0b0c0c;padding:5px;width:100%;max-width:14em;box-sizing:border-box}
button{font:inherit;font-weight:bold;background:#00703c;color:#fff;border:0;padding:10px 16px;margin-top:16px;
box-shadow:0 2px #002d18;cursor:pointer;min-height:44px}
a:focus,button:focus,input:focus{outline:3px solid #ffdd00;outline-offset:0;box-shadow:0 4px #0b0c0c}
code{font-size:16px}
"""


def _p(text: str, cls: str = "") -> str:
    return f'<p class="{cls}">{escape(text)}</p>' if cls else f"<p>{escape(text)}</p>"


def percent(basis_points: int) -> str:
    """``750`` → ``7.5%``."""
    return f"{Decimal(basis_points) / 100}%"


def describe(conversion: Conversion, scale_basis_points: int | None = None) -> str:
    """A conversion in words: ``£100.00 a point``, or the bands' lowest and highest amounts (and their scale)."""
    if not isinstance(conversion, Bands):
        return f"{pounds(conversion.pence_per_point)} a point"
    amounts = [b.amount_pence for b in conversion.bands]
    scale = "" if scale_basis_points is None else f", every amount scaled to {percent(scale_basis_points)}"
    return f"{len(amounts)} bands from {pounds(min(amounts))} to {pounds(max(amounts))}{scale}"


def _short_pounds(pence: int) -> str:
    return f"£{pence // 100:,}" if pence % 100 == 0 else pounds(pence)


NUMERIC = ' class="n"'


def _table(caption: str, head: tuple[str, ...], rows: list[tuple[str, ...]], *, numeric_from: int = 1) -> str:
    ths = "".join(f'<th scope="col"{NUMERIC if i >= numeric_from else ""}>{escape(h)}</th>'
                  for i, h in enumerate(head))
    body = "".join("<tr>" + f'<th scope="row">{escape(r[0])}</th>'
                   + "".join(f'<td class="n">{escape(c)}</td>' for c in r[1:]) + "</tr>" for r in rows)
    return f"<table><caption>{escape(caption)}</caption><thead><tr>{ths}</tr></thead><tbody>{body}</tbody></table>"


def _figures(p: StreamPicture, basis_points: int) -> str:
    f = p.figures
    rows = [("Money available a year", pounds(f.available_pence)),
            (f"Held back for contingency ({percent(basis_points)})", pounds(f.contingency_pence)),
            ("To allocate", pounds(f.spendable_pence)),
            ("Assessments in the projection", f"{f.assessments:,}"),
            ("Referred to panel, left out", f"{f.referred:,}"),
            ("Their points in all", f"{f.total_points:,}"),
            ("Conversion today", describe(p.current)),
            ("Proposed conversion", describe(p.proposed, f.scale_basis_points)),
            ("Cohort's total today", pounds(f.projected_before_pence)),
            ("Cohort's total as proposed", pounds(f.projected_after_pence)),
            ("Left unallocated", pounds(f.unallocated_pence))]
    lead = (f"With {pounds(f.spendable_pence)} to allocate, the proposed conversion would give the "
            f"{f.assessments:,} assessments {pounds(f.projected_after_pence)} in all; today's gives "
            f"{pounds(f.projected_before_pence)}. {pounds(f.unallocated_pence)} is left unallocated.")
    if f.referred:
        lead += f" {f.referred:,} referred to panel are left out: the panel decides their amounts."
    return _p(lead) + _table(f"{p.title}: the what-if in figures", ("Figure", "Amount"), rows)


def _spread(p: StreamPicture) -> str:
    columns = [Column(r.first, r.last + 1, n) for r, n in p.distribution]
    rows = [(f"{r.describe()} points", f"{n:,}") for r, n in p.distribution]
    if p.ceiling is not None:
        rows.append((f"Above {p.ceiling} points: referred to panel", f"{p.figures.referred:,}"))
    return ("<h3>How the cohort's points are spread</h3>"
            + _p("Each column is the number of assessments that scored in a range of points; the table below the "
                 "chart has the same numbers.")
            + histogram_svg(columns, title=f"{p.title}: assessments by points", x_max=p.x_max,
                            x_label=f"Points in {p.title.lower()}", y_label="Assessments", colour=BLUE)
            + _table(f"{p.title}: assessments by points", ("Points", "Assessments"), rows))


def _money_line(p: StreamPicture) -> str:
    series = [Series("Today", money_line(p.current, p.highest), GREY, dashed=True),
              Series("Proposed", money_line(p.proposed, p.highest), GREEN)]
    rows = [(f"{r.points.describe()} points", pounds(r.current_pence), pounds(r.proposed_pence)) for r in p.rows]
    if p.ceiling is not None:
        rows.append((f"Above {p.ceiling} points", "Referred to panel", "Referred to panel"))
    how = ("a step for each band" if isinstance(p.current, Bands) else "a straight line: points times the price")
    return ("<h3>Points to money: today and as proposed</h3>"
            + _p(f"The indicative budget a year for each score, {how}. The dashed line is today's conversion, the "
                 "solid line the proposed one; the table below the chart has the same amounts.")
            + line_chart_svg(series, title=f"{p.title}: indicative budget by points", x_max=p.x_max,
                             x_label=f"Points in {p.title.lower()}", y_label="A year", format_y=_short_pounds)
            + _table(f"{p.title}: indicative budget a year by points", ("Points", "Today", "Proposed"), rows))


def _form(view: WhatIf) -> str:
    fields = []
    for s in view.convertible:
        value = view.available.get(s)
        fields.append(
            f'<label for="{s}_pence">{escape(TITLES[s])}: money available a year, in pence</label>'
            f'<span class="hint" id="{s}_pence-hint">'
            + (f"Now {pounds(value)}" if value is not None else "For example 5000000 is £50,000.00")
            + f". Leave it empty to leave {escape(TITLES[s].lower())} out.</span>"
            f'<input type="number" min="0" step="1" inputmode="numeric" id="{s}_pence" name="{s}_pence" '
            f'aria-describedby="{s}_pence-hint" value="{"" if value is None else value}">')
    c = view.contingency_percent
    fields.append(
        '<label for="contingency_percent">Contingency to hold back, in percent</label>'
        '<span class="hint" id="contingency_percent-hint">Up to 2 decimals, for example 7.5. Leave it empty for '
        "the council's default.</span>"
        '<input type="number" min="0" max="99.99" step="0.01" inputmode="decimal" id="contingency_percent" '
        f'name="contingency_percent" aria-describedby="contingency_percent-hint" value="{"" if c is None else c}">')
    hidden = "".join(f'<input type="hidden" name="cohort" value="{escape(i)}">' for i in view.cohort or ())
    return ('<h2>Try other figures</h2><form method="get">' + "".join(fields) + hidden
            + '<button type="submit">Show the what-if</button></form>')


def page(view: WhatIf) -> str:
    """The whole page (HTML): the what-if in a sentence, then each stream's figures, spread and money line, a form
    to try other figures, and how to use the proposal."""
    r, read = view.row, view.read
    who = ("every current assessment on this model" if view.cohort is None
           else f"the {read.cohort_size:,} assessments asked for")
    title = f"Calibration what-if: {r.name}, version {r.version}"
    streams = "".join(f"<h2>{escape(p.title)}</h2>" + _figures(p, read.contingency_basis_points) + _spread(p)
                      + _money_line(p) for p in view.streams)
    return (
        '<!doctype html><html lang="en-GB"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="robots" content="noindex, nofollow">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>"
        '<header><p>Resource allocation: calibration</p></header><main id="main">'
        f"<h1>{escape(title)}</h1>"
        + _p("This is a what-if: nothing has changed. Every assessment keeps using the published model until a new "
             "version with the proposed conversions is published.")
        + _p(f"The cohort is {who}: {read.cohort_size:,} in all. Holding back "
             f"{percent(read.contingency_basis_points)} for contingency, the proposed conversions would give them "
             f"{pounds(read.projected_after_pence)} a year in all; today's give "
             f"{pounds(read.projected_before_pence)}.", "sum")
        + streams + _form(view)
        + "<h2>Use the proposal</h2>"
        + _p(f"To use it, a RAS administrator posts the calibration's proposed_conversions as a new version of this "
             f"model (POST /v1/ras/models/{r.id}/versions) and publishes it.")
        + _p(f"How the figures are rounded: {read.rounding}. Rounding never spends more than the money to allocate.")
        + "</main></body></html>")
