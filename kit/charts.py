"""Charts as server-rendered SVG (issue 20: "look rather than read"). Pure drawing: no I/O, no library, no script.

A chart is decoration for sighted readers: every SVG here is ``aria-hidden`` and the page that shows it carries the
same numbers as a table, which is the accessible truth. Three kinds:

- horizontal bars cut into segments on one shared scale (the family statement: paid, set aside, left by stream);
- a histogram: columns over ranges of x, heights proportional to their counts (a cohort's points);
- lines on axes: series of (x, y) vertices, straight or stepped, e.g. points → money under two conversions.

A histogram and a line chart drawn with the same ``x_max`` and width share their x-axis pixel for pixel, so one can
sit above the other. Amounts are integers in any unit (pence, points, people); the caller formats the labels."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

INK = "#0b0c0c"     # text and axes (GOV.UK black)
GRID = "#b1b4b6"    # grid lines
FONT = 'font-family="Arial,Helvetica,sans-serif"'

LABEL_WIDTH = 190
BAR_WIDTH = 360
ROW_HEIGHT = 34
BAR_HEIGHT = 22
LEGEND_HEIGHT = 30


def svg_open(width: float, height: float, title: str) -> str:
    """The opening of a decorative chart: hidden from assistive technology (the page's table has the numbers)."""
    return (f'<svg xmlns="http://www.w3.org/2000/svg" aria-hidden="true" focusable="false" class="chart" '
            f'width="{width:g}" height="{height:g}" viewBox="0 0 {width:g} {height:g}">'
            f"<title>{escape(title)}</title>")


def _text(x: float, y: float, text: str, *, size: int = 14, anchor: str = "start", extra: str = "") -> str:
    return (f'<text x="{x:.2f}" y="{y:.2f}" font-size="{size}" {FONT} fill="{INK}" text-anchor="{anchor}"{extra}>'
            f"{escape(text)}</text>")


# ------------------------------------------------------------------------------------------- horizontal bars
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
    out = [svg_open(total_width, height, title)]
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


# ------------------------------------------------------------------------------------------- axes
def nice_step(span: int, most: int) -> int:
    """The smallest 1, 2 or 5 × 10ⁿ (n ≥ 0) that cuts ``span`` into at most ``most`` steps: tick and bin widths a
    reader takes in at a glance."""
    if span <= 0 or most <= 0:
        return 1
    magnitude = 1
    while True:
        for factor in (1, 2, 5):
            step = factor * magnitude
            if -(-span // step) <= most:
                return step
        magnitude *= 10


@dataclass(frozen=True)
class Axes:
    """A plot area: data x in [0, x_max] and y in [0, y_max] mapped onto ``width`` × ``height`` pixels, with room
    at the left for the y labels and below for the x labels."""

    x_max: int
    y_max: int
    width: int = 480
    height: int = 180
    left: int = 84
    top: int = 12

    def x(self, value: float) -> float:
        return self.left + self.width * value / self.x_max if self.x_max > 0 else float(self.left)

    def y(self, value: float) -> float:
        return self.top + self.height - (self.height * value / self.y_max if self.y_max > 0 else 0.0)

    @property
    def bottom(self) -> float:
        return float(self.top + self.height)


def axes_for(x_max: int, y_top: int, *, width: int = 480, height: int = 180, ticks: int = 5) -> Axes:
    """Axes whose y-axis runs to the first tick at or above ``y_top`` (so the highest mark is under a gridline)."""
    step = nice_step(max(y_top, 1), ticks)
    return Axes(x_max=max(x_max, 1), y_max=step * -(-max(y_top, 1) // step), width=width, height=height)


def _frame(axes: Axes, *, x_label: str, y_label: str, format_x: Callable[[int], str],
           format_y: Callable[[int], str]) -> list[str]:
    """Gridlines and y labels, the x-axis with its ticks, and both axis titles."""
    out = []
    y_step = nice_step(axes.y_max, 5)
    for v in range(0, axes.y_max + 1, y_step):
        y = axes.y(v)
        out.append(f'<line x1="{axes.left}" y1="{y:.2f}" x2="{axes.left + axes.width}" y2="{y:.2f}" '
                   f'stroke="{GRID}" stroke-width="1"/>')
        out.append(_text(axes.left - 6, y + 4, format_y(v), size=13, anchor="end"))
    x_step = nice_step(axes.x_max, 8)
    for v in range(0, axes.x_max + 1, x_step):
        x = axes.x(v)
        out.append(f'<line x1="{x:.2f}" y1="{axes.bottom}" x2="{x:.2f}" y2="{axes.bottom + 5}" stroke="{INK}"/>')
        out.append(_text(x, axes.bottom + 19, format_x(v), size=13, anchor="middle"))
    out.append(f'<line x1="{axes.left}" y1="{axes.bottom}" x2="{axes.left + axes.width}" y2="{axes.bottom}" '
               f'stroke="{INK}" stroke-width="1.5"/>')
    out.append(_text(axes.left + axes.width / 2, axes.bottom + 38, x_label, anchor="middle"))
    out.append(_text(14, axes.top + axes.height / 2, y_label, anchor="middle",
                     extra=f' transform="rotate(-90 14 {axes.top + axes.height / 2:.2f})"'))
    return out


def _plain(value: int) -> str:
    return f"{value:,}"


# ------------------------------------------------------------------------------------------- histogram
@dataclass(frozen=True)
class Column:
    """``count`` of something over x in [start, end): a histogram's bin."""

    start: int
    end: int
    count: int


@dataclass(frozen=True)
class Box:
    column: Column
    x: float
    y: float
    width: float
    height: float


def column_boxes(columns: Sequence[Column], axes: Axes) -> list[Box]:
    """Where each column goes: its left and right edges at its range's x, its height ``count × height / y_max``.
    A column of nothing has no height."""
    return [Box(c, axes.x(c.start), axes.y(max(c.count, 0)), axes.x(c.end) - axes.x(c.start),
                axes.bottom - axes.y(max(c.count, 0))) for c in columns]


def histogram_svg(columns: Sequence[Column], *, title: str, x_max: int, x_label: str, y_label: str,
                  colour: str, width: int = 480, format_x: Callable[[int], str] = _plain) -> str:
    """Columns over x in [0, ``x_max``], each drawn with a 1-pixel white gap so neighbours stay apart."""
    axes = axes_for(x_max, max((c.count for c in columns), default=0), width=width)
    out = [svg_open(axes.left + axes.width + 16, axes.bottom + 48, title)]
    out += _frame(axes, x_label=x_label, y_label=y_label, format_x=format_x, format_y=_plain)
    for box in column_boxes(columns, axes):
        if box.height <= 0:
            continue
        c = box.column
        out.append(f'<rect data-start="{c.start}" data-end="{c.end}" data-count="{c.count}" x="{box.x + 0.5:.2f}" '
                   f'y="{box.y:.2f}" width="{max(box.width - 1, 0.5):.2f}" height="{box.height:.2f}" '
                   f'fill="{colour}"/>')
    out.append("</svg>")
    return "".join(out)


# ------------------------------------------------------------------------------------------- lines
@dataclass(frozen=True)
class Series:
    """A line through ``vertices`` (x, y) in order; a step is two vertices at one x. ``dashed`` tells two lines
    apart without relying on colour (WCAG 1.4.1)."""

    name: str
    vertices: tuple[tuple[int, int], ...]
    colour: str
    dashed: bool = False


def polyline_points(series: Series, axes: Axes) -> list[tuple[float, float]]:
    return [(axes.x(x), axes.y(y)) for x, y in series.vertices]


def line_chart_svg(series: Sequence[Series], *, title: str, x_max: int, x_label: str, y_label: str,
                   format_y: Callable[[int], str], width: int = 480, format_x: Callable[[int], str] = _plain) -> str:
    """Each series as a polyline on shared axes, with a legend below naming each line and its style."""
    top = max((y for s in series for _, y in s.vertices), default=0)
    axes = axes_for(x_max, top, width=width)
    legend_y = axes.bottom + 56
    out = [svg_open(axes.left + axes.width + 16, legend_y + 20, title)]
    out += _frame(axes, x_label=x_label, y_label=y_label, format_x=format_x, format_y=format_y)
    x = float(axes.left)
    for s in series:
        dash = ' stroke-dasharray="8 5"' if s.dashed else ""
        points = " ".join(f"{px:.2f},{py:.2f}" for px, py in polyline_points(s, axes))
        out.append(f'<polyline data-series="{escape(s.name)}" points="{points}" fill="none" stroke="{s.colour}" '
                   f'stroke-width="3"{dash}/>')
        out.append(f'<line x1="{x:.2f}" y1="{legend_y - 5}" x2="{x + 28:.2f}" y2="{legend_y - 5}" '
                   f'stroke="{s.colour}" stroke-width="3"{dash}/>')
        out.append(_text(x + 34, legend_y, s.name))
        x += 60 + 8 * len(s.name)
    out.append("</svg>")
    return "".join(out)
