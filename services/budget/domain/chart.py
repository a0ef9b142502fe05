"""The family statement's chart (issue 20: "look rather than read"): a horizontal bar per stream cut into paid, set
aside and left, drawn by ``kit.charts`` (shared with the RAS calibration what-if). Pure drawing, no I/O: the SVG is
``aria-hidden`` and the page carries the same numbers as a table, which is the accessible truth."""
from __future__ import annotations

from kit.charts import (
           BAR_HEIGHT,
           BAR_WIDTH,
           LABEL_WIDTH,
           LEGEND_HEIGHT,
           ROW_HEIGHT,
           Bar,
           Rect,
           Segment,
           bar_chart_svg,
           layout,
)

__all__ = ["BAR_HEIGHT", "BAR_WIDTH", "LABEL_WIDTH", "LEGEND_HEIGHT", "ROW_HEIGHT", "Bar", "Rect", "Segment",
           "bar_chart_svg", "layout"]
