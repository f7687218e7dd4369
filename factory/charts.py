"""Server-rendered SVG charts: line, bar and histogram, as strings to inline in pages and PDFs.

The output is plain SVG 1.1 built with ElementTree (so every piece of text is escaped): no script, no
external resources, system CJK font first. Each chart is an image to assistive technology (``role="img"``)
named by its ``<title>`` and described by a ``<desc>`` that lists the data. Values are drawn with floats:
charts only show numbers, they never compute money.
"""

from __future__ import annotations

import hashlib
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

Number = int | float | Decimal | Fraction
Point = tuple[str, Number]
Series = tuple[str, Sequence[Point]]
Formatter = Callable[[float], str]

SVG_NS = "http://www.w3.org/2000/svg"
FONT_FAMILY = '"Noto Sans CJK SC", sans-serif'
# Okabe-Ito: distinguishable with the common kinds of colour blindness, and in greyscale print.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
AXIS_COLOUR = "#444444"
GRID_COLOUR = "#DDDDDD"
TEXT_COLOUR = "#222222"
FONT_SIZE = 12
MAX_DESC_ITEMS = 60

_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: object) -> str:
    return _ILLEGAL_XML.sub("", str(text))


def _num(value: float) -> str:
    """Format a coordinate compactly."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


# --- scales -----------------------------------------------------------------------------------------


def _nice(value: float, round_it: bool) -> float:
    exponent = math.floor(math.log10(value))
    fraction = value / 10**exponent
    if round_it:
        nice = 1 if fraction < 1.5 else 2 if fraction < 3 else 5 if fraction < 7 else 10
    else:
        nice = 1 if fraction <= 1 else 2 if fraction <= 2 else 5 if fraction <= 5 else 10
    return nice * 10**exponent


def nice_ticks(low: float, high: float, max_ticks: int = 6) -> list[float]:
    """Return round tick values covering low..high (1, 2 or 5 times a power of ten apart)."""
    if high < low:
        low, high = high, low
    if high - low <= 1e-9 * max(1.0, abs(low), abs(high)):  # no visible span (or a subnormal one)
        value = low if abs(low) > 1e-9 else 0.0
        low, high = (0.0, 1.0) if value == 0 else (min(0.0, value), max(0.0, value))
    step = _nice(_nice(high - low, False) / max(1, max_ticks - 1), True)
    first, last = math.floor(low / step), math.ceil(high / step)
    return [index * step for index in range(first, last + 1)]


def _default_format(step: float) -> Formatter:
    decimals = max(0, -math.floor(math.log10(step))) if step < 1 else 0

    def fmt(value: float) -> str:
        return f"{value:,.{decimals}f}"

    return fmt


def _value_text(value: float) -> str:
    return f"{value:,.2f}".rstrip("0").rstrip(".")


class _Frame:
    """The SVG root, title, plot area and y axis shared by all charts."""

    def __init__(
        self, kind: str, width: int, height: int, title: str, desc: str, legend_rows: int = 0
    ) -> None:
        self.width, self.height = width, height
        digest = hashlib.sha256(f"{kind}|{title}|{desc}|{width}x{height}".encode()).hexdigest()[:10]
        chart_id = f"chart-{digest}"
        self.root = ET.Element(
            "svg",
            {
                "xmlns": SVG_NS,
                "width": str(width),
                "height": str(height),
                "viewBox": f"0 0 {width} {height}",
                "role": "img",
                "aria-labelledby": f"{chart_id}-title {chart_id}-desc",
                "font-family": FONT_FAMILY,
                "font-size": str(FONT_SIZE),
                "class": f"chart chart-{kind}",
            },
        )
        ET.SubElement(self.root, "title", {"id": f"{chart_id}-title"}).text = _clean(title)
        ET.SubElement(self.root, "desc", {"id": f"{chart_id}-desc"}).text = _clean(desc)
        ET.SubElement(self.root, "rect", {"width": "100%", "height": "100%", "fill": "#FFFFFF"})
        self.text(width / 2, 20, title, anchor="middle", size=FONT_SIZE + 2, weight="bold")
        self.left, self.right = 64.0, width - 16.0
        self.top = 36.0 + 18 * legend_rows
        self.bottom = height - 44.0
        self.low, self.high = 0.0, 1.0

    def text(
        self,
        x: float,
        y: float,
        content: object,
        *,
        anchor: str = "start",
        size: int = FONT_SIZE,
        weight: str | None = None,
        rotate: float | None = None,
        parent: ET.Element | None = None,
    ) -> ET.Element:
        attributes = {"x": _num(x), "y": _num(y), "text-anchor": anchor, "fill": TEXT_COLOUR}
        if size != FONT_SIZE:
            attributes["font-size"] = str(size)
        if weight:
            attributes["font-weight"] = weight
        if rotate is not None:
            attributes["transform"] = f"rotate({_num(rotate)} {_num(x)} {_num(y)})"
        element = ET.SubElement(self.root if parent is None else parent, "text", attributes)
        element.text = _clean(content)
        return element

    def line(self, x1: float, y1: float, x2: float, y2: float, colour: str, width: float = 1) -> None:
        ET.SubElement(
            self.root,
            "line",
            {
                "x1": _num(x1),
                "y1": _num(y1),
                "x2": _num(x2),
                "y2": _num(y2),
                "stroke": colour,
                "stroke-width": _num(width),
            },
        )

    def y(self, value: float) -> float:
        span = self.high - self.low
        return self.bottom - (value - self.low) / span * (self.bottom - self.top)

    def y_axis(self, values: Sequence[float], y_label: str, value_format: Formatter | None) -> None:
        low = min([0.0, *values])
        high = max([0.0, *values])
        ticks = nice_ticks(low, high)
        if all(float(v).is_integer() for v in values) and len(ticks) > 1 and ticks[1] - ticks[0] < 1:
            # counts (pieces, people) are whole: no ticks at fractions of one
            ticks = [float(t) for t in range(math.floor(low), math.ceil(max(high, low + 1)) + 1)]
        self.low, self.high = ticks[0], ticks[-1]
        step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
        fmt = value_format or _default_format(step)
        for tick in ticks:
            y = self.y(tick)
            self.line(self.left, y, self.right, y, GRID_COLOUR)
            self.text(self.left - 6, y + 4, fmt(tick), anchor="end")
        self.line(self.left, self.top, self.left, self.bottom, AXIS_COLOUR)
        self.line(self.left, self.y(0.0), self.right, self.y(0.0), AXIS_COLOUR)
        if y_label:
            x, y = 14.0, (self.top + self.bottom) / 2
            self.text(x, y, y_label, anchor="middle", rotate=-90)

    def x_labels(self, labels: Sequence[str], positions: Sequence[float]) -> None:
        """Label the x axis without overlaps: always the first and the last position (where a reader looks
        for the span a chart covers), and between them every one that fits beside the last one labelled."""
        for index in _spaced(labels, positions):
            x = positions[index]
            self.line(x, self.bottom, x, self.bottom + 4, AXIS_COLOUR)
            self.text(x, self.bottom + 18, labels[index], anchor="middle")

    def x_axis_label(self, x_label: str) -> None:
        if x_label:
            self.text((self.left + self.right) / 2, self.height - 6, x_label, anchor="middle")

    def no_data(self) -> None:
        self.line(self.left, self.top, self.left, self.bottom, AXIS_COLOUR)
        self.line(self.left, self.bottom, self.right, self.bottom, AXIS_COLOUR)
        self.text((self.left + self.right) / 2, (self.top + self.bottom) / 2, "No data", anchor="middle")

    def legend(self, labels: Sequence[str]) -> None:
        x, y = self.left, 38.0
        for index, label in enumerate(labels):
            colour = PALETTE[index % len(PALETTE)]
            if x > self.left and x + 24 + 7 * len(label) > self.right:
                x, y = self.left, y + 18
            ET.SubElement(
                self.root,
                "rect",
                {"x": _num(x), "y": _num(y - 9), "width": "12", "height": "12", "fill": colour},
            )
            self.text(x + 16, y + 2, label)
            x += 16 + 7 * len(label) * (2 if any(ord(ch) > 0x2E80 for ch in label) else 1) + 20

    def render(self) -> str:
        return ET.tostring(self.root, encoding="unicode")


LABEL_GAP = 8.0


def text_width(text: str, size: int = FONT_SIZE) -> float:
    """About how wide a text is drawn: a CJK character is as wide as the font size, others about 0.6 of it."""
    return sum(size if ord(ch) > 0x2E80 else size * 0.6 for ch in text)


def _spaced(labels: Sequence[str], positions: Sequence[float]) -> list[int]:
    """The indexes of the x labels to draw (positions ascending): the first, the last, and in between each
    one that does not overlap the one before it nor the last."""
    if not labels:
        return []
    widths = [text_width(label) for label in labels]

    def apart(i: int, j: int) -> bool:
        return abs(positions[j] - positions[i]) >= (widths[i] + widths[j]) / 2 + LABEL_GAP

    last = len(labels) - 1
    if last == 0:
        return [0]
    if not apart(0, last):  # no room for two: the latest is the one a reader looks for first
        return [last]
    shown = [0]
    for index in range(1, last):
        if apart(shown[-1], index) and apart(index, last):
            shown.append(index)
    return [*shown, last]


def _describe(items: Sequence[str]) -> str:
    if len(items) > MAX_DESC_ITEMS:
        return "; ".join(items[:MAX_DESC_ITEMS]) + f"; and {len(items) - MAX_DESC_ITEMS} more."
    return "; ".join(items) + ("." if items else "")


def _legend_rows(labels: Sequence[str], width: int) -> int:
    if len(labels) < 2:
        return 0
    used = sum(16 + 7 * len(label) * 2 + 20 for label in labels)
    return max(1, math.ceil(used / max(1, width - 80)))


# --- charts -----------------------------------------------------------------------------------------


def line_chart(
    series: Sequence[Series],
    *,
    width: int = 640,
    height: int = 320,
    title: str,
    y_label: str = "",
    x_label: str = "",
    value_format: Formatter | None = None,
) -> str:
    """Draw one line per (label, [(x label, value), ...]) series over shared x categories."""
    categories: list[str] = []
    seen: set[str] = set()
    for _, points in series:
        for x_text, _value in points:
            if x_text not in seen:
                seen.add(x_text)
                categories.append(x_text)
    frame = _line_frame(series, str, width, height, title, y_label, value_format)
    if not categories:
        return frame.render()
    n = len(categories)
    span = frame.right - frame.left
    positions = (
        [frame.left + span / 2] if n == 1 else [frame.left + 12 + (span - 24) * i / (n - 1) for i in range(n)]
    )
    x_of = dict(zip(categories, positions, strict=True))
    frame.x_labels(categories, positions)
    frame.x_axis_label(x_label)
    _draw_lines(
        frame, [(label, [(x_of[x], x, v) for x, v in points]) for label, points in series], value_format
    )
    return frame.render()


def time_line_chart(
    series: Sequence[tuple[str, Sequence[tuple[date, Number]]]],
    *,
    width: int = 640,
    height: int = 320,
    title: str,
    y_label: str = "",
    x_label: str = "",
    value_format: Formatter | None = None,
) -> str:
    """Draw one line per (label, [(day, value), ...]) series over a time axis: a point's x is its date,
    so ten days between two points take more room than three. Ticks are at the days with points
    (as many as fit, always the first and the last); the year is written on the first tick and on each
    tick in a new year."""
    days = sorted({day for _, points in series for day, _value in points})
    frame = _line_frame(series, date.isoformat, width, height, title, y_label, value_format)
    if not days:
        return frame.render()
    first, total = days[0], (days[-1] - days[0]).days
    span = frame.right - frame.left - 24

    def x_of(day: date) -> float:
        if total == 0:
            return (frame.left + frame.right) / 2
        return frame.left + 12 + span * (day - first).days / total

    ticks = []
    for n, day in enumerate(days):
        new_year = n == 0 or day.year != days[n - 1].year
        ticks.append(day.isoformat() if new_year else f"{day:%m-%d}")
    frame.x_labels(ticks, [x_of(d) for d in days])
    frame.x_axis_label(x_label)
    _draw_lines(
        frame,
        [(label, [(x_of(d), d.isoformat(), v) for d, v in points]) for label, points in series],
        value_format,
    )
    return frame.render()


def _line_frame(
    series: Sequence[tuple[str, Sequence[tuple[Any, Number]]]],
    x_text: Callable[[Any], str],
    width: int,
    height: int,
    title: str,
    y_label: str,
    value_format: Formatter | None,
) -> _Frame:
    """A line chart's frame: its description (each point's x as `x_text` words it) and its y axis, or
    "no data" when no series has a point."""
    desc = _describe(
        [
            f"{label}: " + ", ".join(f"{x_text(x)} {_value_text(float(v))}" for x, v in points)
            for label, points in series
        ]
    )
    labels = [label for label, _ in series]
    frame = _Frame("line", width, height, title, desc or "No data.", _legend_rows(labels, width))
    values = [float(value) for _, points in series for _, value in points]
    if values:
        frame.y_axis(values, y_label, value_format)
    else:
        frame.no_data()
    return frame


def _draw_lines(
    frame: _Frame,
    series: Sequence[tuple[str, Sequence[tuple[float, str, Number]]]],
    value_format: Formatter | None,
) -> None:
    """The lines and their points, each (x, x text for the tooltip, value); a legend when there are two."""
    if len(series) > 1:
        frame.legend([label for label, _ in series])
    fmt = value_format or _value_text
    for index, (label, points) in enumerate(series):
        colour = PALETTE[index % len(PALETTE)]
        group = ET.SubElement(frame.root, "g", {"class": "series"})
        coordinates = [(x, frame.y(float(value)), x_text, value) for x, x_text, value in points]
        coordinates.sort(key=lambda item: item[0])
        if len(coordinates) > 1:
            ET.SubElement(
                group,
                "polyline",
                {
                    "points": " ".join(f"{_num(x)},{_num(y)}" for x, y, _, _ in coordinates),
                    "fill": "none",
                    "stroke": colour,
                    "stroke-width": "2",
                },
            )
        for x, y, x_text, value in coordinates:
            point = ET.SubElement(group, "circle", {"cx": _num(x), "cy": _num(y), "r": "3", "fill": colour})
            ET.SubElement(point, "title").text = _clean(f"{label}, {x_text}: {fmt(float(value))}")


def bar_chart(
    bars: Sequence[Point],
    *,
    width: int = 640,
    height: int = 320,
    title: str,
    y_label: str = "",
    x_label: str = "",
    value_format: Formatter | None = None,
    colour: str = PALETTE[0],
) -> str:
    """Draw one bar per (label, value); negative values hang below the zero line."""
    fmt = value_format or _value_text
    desc = _describe([f"{label} {fmt(float(value))}" for label, value in bars])
    frame = _Frame("bar", width, height, title, desc or "No data.")
    if not bars:
        frame.no_data()
        return frame.render()
    values = [float(value) for _, value in bars]
    frame.y_axis(values, y_label, value_format)
    band = (frame.right - frame.left) / len(bars)
    positions = [frame.left + band * (i + 0.5) for i in range(len(bars))]
    frame.x_labels([label for label, _ in bars], positions)
    frame.x_axis_label(x_label)
    zero = frame.y(0.0)
    group = ET.SubElement(frame.root, "g", {"class": "bars", "fill": colour})
    for (label, value), x in zip(bars, positions, strict=True):
        y = frame.y(float(value))
        bar = ET.SubElement(
            group,
            "rect",
            {
                "x": _num(x - band * 0.35),
                "y": _num(min(y, zero)),
                "width": _num(band * 0.7),
                "height": _num(abs(zero - y)),
            },
        )
        ET.SubElement(bar, "title").text = _clean(f"{label}: {fmt(float(value))}")
        if len(bars) <= 20:
            label_y = y - 4 if y <= zero else y + FONT_SIZE + 2  # above a bar, or below one that hangs down
            frame.text(x, label_y, fmt(float(value)), anchor="middle", size=FONT_SIZE - 1)
    return frame.render()


def histogram_bins(values: Sequence[Number], bins: int | None = None) -> list[tuple[float, float, int]]:
    """Split values into equal-width bins: (low, high, count); the last bin includes its upper edge."""
    if not values:
        return []
    numbers = sorted(float(value) for value in values)
    count = bins or max(1, min(30, math.ceil(math.log2(len(numbers))) + 1))  # Sturges' rule
    low, high = numbers[0], numbers[-1]
    if high == low:
        return [(low, low + 1, len(numbers))]
    step = (high - low) / count
    counts = [0] * count
    for number in numbers:
        counts[min(count - 1, int((number - low) / step))] += 1
    return [(low + step * i, low + step * (i + 1), counts[i]) for i in range(count)]


def histogram(
    values: Sequence[Number],
    *,
    bins: int | None = None,
    width: int = 640,
    height: int = 320,
    title: str,
    x_label: str = "",
    y_label: str = "",
    value_format: Formatter | None = None,
    colour: str = PALETTE[2],
) -> str:
    """Draw how many values fall into each of `bins` equal ranges (Sturges' rule when not given)."""
    edges = histogram_bins(values, bins)
    fmt = value_format or _value_text
    desc = _describe([f"{fmt(low)} to {fmt(high)}: {count}" for low, high, count in edges])
    frame = _Frame("histogram", width, height, title, desc or "No data.")
    if not edges:
        frame.no_data()
        return frame.render()
    frame.y_axis(
        [float(count) for _, _, count in edges], y_label, lambda v: f"{v:,.0f}" if v == int(v) else ""
    )
    band = (frame.right - frame.left) / len(edges)
    boundaries = [edges[0][0]] + [high for _, high, _ in edges]
    positions = [frame.left + band * i for i in range(len(boundaries))]
    frame.x_labels([fmt(boundary) for boundary in boundaries], positions)
    frame.x_axis_label(x_label)
    zero = frame.y(0.0)
    group = ET.SubElement(frame.root, "g", {"class": "bins", "fill": colour, "stroke": "#FFFFFF"})
    for index, (low, high, count) in enumerate(edges):
        y = frame.y(float(count))
        bar = ET.SubElement(
            group,
            "rect",
            {
                "x": _num(frame.left + band * index),
                "y": _num(y),
                "width": _num(band),
                "height": _num(zero - y),
            },
        )
        ET.SubElement(bar, "title").text = _clean(f"{fmt(low)} to {fmt(high)}: {count}")
    return frame.render()
