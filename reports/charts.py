"""Charts drawn on the server as SVG: no JavaScript, no CDN, nothing to load.

Each function takes labels and numbers and returns safe markup. Every label and number goes
through format_html, so a name typed as "<script>" stays text. The SVG is one image to
assistive technology (role="img" with a <title> and an aria-label); the page puts the numbers
themselves in a table one click away.

The drawing is 360 units wide and scales to the width of its box: on a phone the text keeps
about the size of the page's own (the page caps the width, so it does not grow on a desktop).
"""

import math
from collections.abc import Sequence
from decimal import Decimal

from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext

WIDTH = 360
FONT_SIZE = 14
SMALL_FONT_SIZE = 12
COLOUR = "#1f6feb"
MUTED = "#5b6474"
LINE = "#d9dde4"
PAD = 8

# The bar chart: a label line above each bar, so long labels get the whole width.
BAR_ROW = 42
BAR_HEIGHT = 14
VALUE_SPACE = 64

# The line chart: the plot and the margins for the axis labels.
PLOT_HEIGHT = 160
PLOT_LEFT = 36
PLOT_RIGHT = 8
# The first and last points keep clear of the axis labels and the edge.
PLOT_INSET = 24
PLOT_TOP = 20
PLOT_BOTTOM = 28
MAX_X_LABELS = 6

Number = int | float


def figure_text(value: Number | Decimal | None, unit: str, decimals: int | None = None) -> str:
    """A number as people read it in the current language ("33,3 %" in Russian). Rates have
    one decimal, shown only when it is not zero; `decimals` fixes the places (money: 2)."""
    if value is None:
        return "—"
    if decimals is not None:
        text = number_format(value, decimal_pos=decimals)
    else:
        text = number_format(value, decimal_pos=1 if isinstance(value, float) else None)
        if text.endswith((".0", ",0")):
            text = text[:-2]
    return f"{text} {unit}".strip() if unit else text


def _svg(title: str, height: int, body: SafeString) -> SafeString:
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {} {}" '
        'width="100%" role="img" aria-label="{}" font-family="system-ui, sans-serif" '
        'font-size="{}"><title>{}</title>{}</svg>',
        WIDTH,
        height,
        title,
        FONT_SIZE,
        title,
        body,
    )


def _empty(title: str) -> SafeString:
    return _svg(
        title,
        48,
        format_html(
            '<text x="{}" y="28" text-anchor="middle" fill="{}">{}</text>',
            WIDTH // 2,
            MUTED,
            gettext("No data for this period."),
        ),
    )


def bar_chart(
    items: Sequence[tuple[str, Number | None]], *, title: str, unit: str = ""
) -> SafeString:
    """Horizontal bars, one per (label, value), scaled to the largest value."""
    if not items:
        return _empty(title)
    top = max((value or 0 for _label, value in items), default=0) or 1
    span = WIDTH - 2 * PAD - VALUE_SPACE
    rows = []
    for index, (label, value) in enumerate(items):
        y = PAD + index * BAR_ROW
        # A zero still gets a sliver, so the row reads as "zero", not as "missing".
        length = max(round(span * max(value or 0, 0) / top, 1), 1)
        rows.append(
            (
                PAD,
                y + FONT_SIZE,
                label,
                PAD,
                y + FONT_SIZE + 5,
                length,
                BAR_HEIGHT,
                COLOUR,
                f"{label}: {figure_text(value, unit)}",
                PAD + length + 6,
                y + FONT_SIZE + 5 + BAR_HEIGHT - 2,
                figure_text(value, unit),
            )
        )
    body = format_html_join(
        "",
        '<g><text x="{}" y="{}">{}</text>'
        '<rect x="{}" y="{}" width="{}" height="{}" rx="2" fill="{}"><title>{}</title></rect>'
        '<text x="{}" y="{}" font-weight="600">{}</text></g>',
        rows,
    )
    return _svg(title, 2 * PAD + len(items) * BAR_ROW, body)


def line_chart(
    points: Sequence[tuple[str, Number | None]],
    *,
    title: str,
    unit: str = "",
    maximum: Number | None = None,
) -> SafeString:
    """A line through (label, value) points, left to right; a missing value breaks the line.
    The scale runs from 0 to `maximum` (100 for a rate) or to the largest value."""
    values = [value for _label, value in points if value is not None]
    if not values:
        return _empty(title)
    top = maximum if maximum is not None else (max(values) or 1)
    width = WIDTH - PLOT_LEFT - PLOT_RIGHT - 2 * PLOT_INSET
    bottom = PLOT_TOP + PLOT_HEIGHT

    def x_of(index: int) -> float:
        if len(points) == 1:
            return PLOT_LEFT + PLOT_INSET + width / 2
        return round(PLOT_LEFT + PLOT_INSET + width * index / (len(points) - 1), 1)

    def y_of(value: Number) -> float:
        return round(bottom - PLOT_HEIGHT * max(min(value / top, 1), 0), 1)

    grid = format_html_join(
        "",
        '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}"/>'
        '<text x="{}" y="{}" text-anchor="end" font-size="{}" fill="{}">{}</text>',
        (
            (
                PLOT_LEFT,
                WIDTH - PLOT_RIGHT,
                y_of(level),
                y_of(level),
                LINE,
                PLOT_LEFT - 4,
                y_of(level) + 4,
                SMALL_FONT_SIZE,
                MUTED,
                figure_text(level, ""),
            )
            for level in (0, top / 2, top)
        ),
    )
    # Runs of consecutive known values, each drawn as one polyline.
    runs: list[list[str]] = [[]]
    for index, (_label, value) in enumerate(points):
        if value is None:
            runs.append([])
        else:
            runs[-1].append(f"{x_of(index)},{y_of(value)}")
    lines = format_html_join(
        "",
        '<polyline points="{}" fill="none" stroke="{}" stroke-width="2"/>',
        ((" ".join(run), COLOUR) for run in runs if len(run) > 1),
    )
    dots = format_html_join(
        "",
        '<g><circle cx="{}" cy="{}" r="4" fill="{}"><title>{}</title></circle>'
        '<text x="{}" y="{}" text-anchor="middle" font-size="{}">{}</text></g>',
        (
            (
                x_of(index),
                y_of(value),
                COLOUR,
                f"{label}: {figure_text(value, unit)}",
                x_of(index),
                y_of(value) - 8,
                SMALL_FONT_SIZE,
                figure_text(value, unit),
            )
            for index, (label, value) in enumerate(points)
            if value is not None
        ),
    )
    # Every label when they fit, otherwise every n-th: a year of months stays legible.
    step = math.ceil(len(points) / MAX_X_LABELS)
    labels = format_html_join(
        "",
        '<text x="{}" y="{}" text-anchor="middle" font-size="{}" fill="{}">{}</text>',
        (
            (x_of(index), bottom + 18, SMALL_FONT_SIZE, MUTED, label)
            for index, (label, _value) in enumerate(points)
            if index % step == 0
        ),
    )
    return _svg(
        title,
        PLOT_TOP + PLOT_HEIGHT + PLOT_BOTTOM,
        format_html("{}{}{}{}", grid, lines, dots, labels),
    )
