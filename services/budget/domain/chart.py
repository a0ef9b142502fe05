"""A horizontal bar chart as server-rendered SVG (issue 20: "look rather than read"). Pure drawing: no I/O, no
library. Each bar is one row (a stream), cut into segments (paid, set aside, left) whose lengths are proportional
to their amounts on one scale shared by every bar, so bars compare by eye. The chart is decoration for sighted
readers: it is ``aria-hidden`` and the page carries the same numbers as a table, which is the accessible truth."""
from __future__ import annotations

from dataclasses import dataclass
from html import escape

LABEL_WIDTH = 190
BAR_WIDTH = 360
ROW_HEIGHT = 34
BAR_HEIGHT = 22
LEGEND_HEIGHT = 30


@dataclass(frozen=True)
class Segment:
    name: str
    amount: int   # any non-negative integer unit (pence on the statement)
    colour: str   # fill; the colours are chosen for contrast with white and with each other


@dataclass(frozen=True)
class Bar:
    label: str
    segments: tuple[Segment, ...]

    @property
    def total(self) -> int:
        return sum(s.amount for s in self.segments)


@dataclass(frozen=True)
class Rect:
    bar: int
    segment: str
    x: float
    width: float


def layout(bars: list[Bar], *, width: int = BAR_WIDTH) -> list[Rect]:
    """Where each segment goes: ``width`` is the longest bar; every length is ``amount × width / longest``.
    Negative amounts (never expected: the ledger keeps them ≥ 0) draw as nothing."""
    longest = max((b.total for b in bars), default=0)
    rects = []
    for i, bar in enumerate(bars):
        x = 0.0
        for seg in bar.segments:
            w = width * max(seg.amount, 0) / longest if longest else 0.0
            rects.append(Rect(i, seg.name, x, w))
            x += w
    return rects


def bar_chart_svg(bars: list[Bar], *, title: str, width: int = BAR_WIDTH) -> str:
    """The SVG: a row per bar, the label at the left, the segments in order, a legend below."""
    rects = layout(bars, width=width)
    height = ROW_HEIGHT * len(bars) + LEGEND_HEIGHT + 10
    total_width = LABEL_WIDTH + width + 10
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" aria-hidden="true" focusable="false" class="chart" '
           f'width="{total_width}" height="{height}" viewBox="0 0 {total_width} {height}">',
           f"<title>{escape(title)}</title>"]
    colours = {s.name: s.colour for b in bars for s in b.segments}
    for i, bar in enumerate(bars):
        y = i * ROW_HEIGHT + 4
        out.append(f'<text x="0" y="{y + BAR_HEIGHT - 6}" font-size="15" fill="#0b0c0c">{escape(bar.label)}</text>')
    for r in rects:
        if r.width <= 0:
            continue
        y = r.bar * ROW_HEIGHT + 4
        out.append(f'<rect data-bar="{r.bar}" data-segment="{escape(r.segment)}" x="{LABEL_WIDTH + r.x:.2f}" '
                   f'y="{y}" width="{r.width:.2f}" height="{BAR_HEIGHT}" fill="{colours[r.segment]}"/>')
    legend_y = ROW_HEIGHT * len(bars) + 12
    x = LABEL_WIDTH
    for name, colour in colours.items():
        out.append(f'<rect x="{x}" y="{legend_y}" width="14" height="14" fill="{colour}"/>'
                   f'<text x="{x + 20}" y="{legend_y + 12}" font-size="14" fill="#0b0c0c">{escape(name)}</text>')
        x += 30 + 9 * len(name)
    out.append("</svg>")
    return "".join(out)
