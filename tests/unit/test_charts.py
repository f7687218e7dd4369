import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from factory.charts import (
    bar_chart,
    histogram,
    histogram_bins,
    line_chart,
    nice_ticks,
    text_width,
    time_line_chart,
)

NS = {"svg": "http://www.w3.org/2000/svg"}


def parse(svg):
    assert "<script" not in svg.lower()
    assert "http" not in svg.replace("http://www.w3.org/2000/svg", "")  # nothing external
    root = ET.fromstring(svg)  # noqa: S314 - parses this module's own output, not untrusted input
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("role") == "img"
    assert "Noto Sans CJK SC" in root.get("font-family")
    title_id, desc_id = root.get("aria-labelledby").split()
    assert root.find("svg:title", NS).get("id") == title_id
    assert root.find("svg:desc", NS).get("id") == desc_id
    return root


def texts(root):
    return [element.text for element in root.iter("{http://www.w3.org/2000/svg}text")]


def test_line_chart_structure():
    svg = line_chart(
        [("王芳", [("5/1", 3), ("5/2", 5)]), ("李强", [("5/1", 2), ("5/3", Decimal("4.5"))])],
        title="每日完成件数",
        y_label="件",
    )
    root = parse(svg)
    assert root.find("svg:title", NS).text == "每日完成件数"
    assert len(root.findall(".//svg:polyline", NS)) == 2
    assert len(root.findall(".//svg:circle", NS)) == 4
    labels = texts(root)
    assert {"5/1", "5/2", "5/3", "王芳", "李强", "件"} <= set(labels)
    assert "王芳: 5/1 3, 5/2 5" in root.find("svg:desc", NS).text


def test_text_is_escaped():
    evil = '<script>alert("x")</script> & </svg>'
    svg = line_chart([(evil, [(evil, 1)]), ("b", [(evil, 2)])], title=evil, y_label=evil)
    root = parse(svg)
    assert root.find("svg:title", NS).text == evil
    assert evil in texts(root)
    assert "<script>" not in svg
    bar = parse(bar_chart([(evil, 1)], title=evil))
    assert bar.find("svg:title", NS).text == evil


def test_control_characters_are_dropped():
    root = parse(bar_chart([("a\x00b\x1f", 1)], title="t\x07"))
    assert root.find("svg:title", NS).text == "t"


@pytest.mark.parametrize(
    "svg",
    [
        line_chart([], title="Empty"),
        line_chart([("a", [])], title="Empty"),
        bar_chart([], title="Empty"),
        histogram([], title="Empty"),
    ],
)
def test_empty_data_says_so(svg):
    assert "No data" in texts(parse(svg))


def test_all_zero_data_draws_a_flat_line():
    root = parse(line_chart([("a", [("x", 0), ("y", 0)])], title="Zero"))
    points = root.find(".//svg:polyline", NS).get("points").split()
    ys = {point.split(",")[1] for point in points}
    assert len(ys) == 1
    assert "1" in texts(root)  # the axis still has a sensible scale, 0 to 1, in whole numbers for counts
    assert not any(t and "." in t for t in texts(root))
    halves = parse(line_chart([("a", [("x", 0), ("y", 0.5)])], title="Halves"))
    assert "0.5" in texts(halves)  # fractions keep their ticks
    parse(bar_chart([("a", 0)], title="Zero"))
    parse(histogram([0, 0, 0], title="Zero"))


def test_bar_chart_heights_follow_values_and_negatives_hang_down():
    root = parse(
        bar_chart([("a", 10), ("b", 5), ("c", -5)], title="Bars", value_format=lambda v: f"¥{v:.0f}")
    )
    rects = root.findall(".//svg:g[@class='bars']/svg:rect", NS)
    heights = [float(rect.get("height")) for rect in rects]
    assert heights[0] == pytest.approx(2 * heights[1])
    assert heights[2] == pytest.approx(heights[1])
    assert float(rects[2].get("y")) > float(rects[1].get("y"))
    assert rects[0].find("svg:title", NS).text == "a: ¥10"


def test_many_x_labels_are_thinned():
    points = [(f"day {i}", i) for i in range(100)]
    root = parse(line_chart([("a", points)], title="Many", width=400))
    shown = [text for text in texts(root) if text.startswith("day ")]
    assert 1 < len(shown) < 20
    assert "day 99" in shown  # the latest is always labelled
    months = parse(bar_chart([(f"{m:02d}月", 0) for m in range(1, 13)], title="Months", width=560))
    assert "12月" in texts(months) and "01月" in texts(months)  # the first and the last month
    assert "02月" in texts(months)  # short labels: all twelve fit


def test_histogram_bins():
    assert histogram_bins([]) == []
    assert histogram_bins([5, 5]) == [(5, 6, 2)]
    bins = histogram_bins([0, 1, 2, 3, 4, 10], bins=2)
    assert bins == [(0, 5, 5), (5, 10, 1)]
    root = parse(histogram([0, 1, 2, 3, 4, 10], bins=2, title="Speeds", x_label="pieces/hour"))
    assert len(root.findall(".//svg:g[@class='bins']/svg:rect", NS)) == 2
    assert "pieces/hour" in texts(root)


@given(st.lists(st.integers(-1000, 1000), min_size=1, max_size=200), st.integers(1, 20))
def test_histogram_counts_every_value_once(values, bins):
    assert sum(count for _, _, count in histogram_bins(values, bins)) == len(values)


@given(st.floats(-1e6, 1e6), st.floats(-1e6, 1e6))
@example(0.0, 5e-324)  # subnormal spans once divided by zero
@example(0.0, -5e-324)
@example(2.5, 2.5)
@example(0.0, 1.49e-06)  # steps of 5e-07, which rounding to 6 places once split in two
def test_nice_ticks_cover_the_range(a, b):
    ticks = nice_ticks(a, b)
    assert ticks[0] <= min(a, b) + 1e-9
    assert ticks[-1] >= max(a, b) - 1e-9
    assert 2 <= len(ticks) <= 12
    gaps = [later - earlier for earlier, later in zip(ticks, ticks[1:], strict=False)]
    assert all(abs(gap - gaps[0]) <= 1e-6 * abs(gaps[0]) for gap in gaps)  # evenly spaced


def test_output_is_deterministic():
    assert bar_chart([("a", 1)], title="t") == bar_chart([("a", 1)], title="t")


def _x_ticks(root):
    """The x axis labels as (x, text), left to right (drawn under the plot, below its last grid line)."""
    y_axis = max(float(t.get("y")) for t in root.iter("{http://www.w3.org/2000/svg}text") if t.get("y"))
    return sorted(
        (float(t.get("x")), t.text)
        for t in root.iter("{http://www.w3.org/2000/svg}text")
        if float(t.get("y")) == y_axis
    )


@pytest.mark.parametrize("width", [360, 560, 640, 1000])
@pytest.mark.parametrize("chart", ["bar", "line"])
def test_twelve_months_show_the_year_the_first_and_the_last_without_overlap(width, chart):
    months = ["2025-12"] + [f"2026-{m:02d}" for m in range(1, 12)]
    if chart == "bar":
        svg = bar_chart([(m, i) for i, m in enumerate(months)], title="Months", width=width)
    else:
        svg = line_chart([("a", [(m, i) for i, m in enumerate(months)])], title="Months", width=width)
    ticks = _x_ticks(parse(svg))
    shown = [text for _x, text in ticks]
    assert shown[0] == "2025-12" and shown[-1] == "2026-11", shown
    assert len(shown) >= (3 if width < 500 else 6)
    for (x1, a), (x2, b) in zip(ticks, ticks[1:], strict=False):
        assert x2 - x1 >= (text_width(a) + text_width(b)) / 2, (a, b)  # no label overlaps the next


def test_time_line_chart_places_points_by_date():
    from datetime import date

    days = [date(2026, 9, 22), date(2026, 10, 2), date(2026, 10, 5), date(2026, 11, 28)]
    svg = time_line_chart([("合格", [(d, i * 10) for i, d in enumerate(days)])], title="进度", width=640)
    root = parse(svg)
    xs = sorted(float(c.get("cx")) for c in root.iter("{http://www.w3.org/2000/svg}circle"))
    gaps = [b - a for a, b in zip(xs, xs[1:], strict=False)]
    # 10 days, then 3 days, then 54 days: the gaps keep those proportions
    assert gaps[0] / gaps[1] == pytest.approx(10 / 3, rel=0.01)
    assert gaps[2] / gaps[1] == pytest.approx(54 / 3, rel=0.01)
    shown = [text for _x, text in _x_ticks(root)]
    assert shown[0] == "2026-09-22" and shown[-1] == "11-28"  # the year once, on the first day
    assert "2026-09-22" in root.find("svg:desc", NS).text


def test_time_line_chart_writes_the_year_when_it_changes_and_handles_one_day():
    from datetime import date

    root = parse(
        time_line_chart([("a", [(date(2025, 12, 1), 1), (date(2026, 1, 20), 5)])], title="跨年", width=640)
    )
    assert [text for _x, text in _x_ticks(root)] == ["2025-12-01", "2026-01-20"]
    one = parse(time_line_chart([("a", [(date(2026, 5, 1), 3)])], title="一天"))
    assert [text for _x, text in _x_ticks(one)] == ["2026-05-01"]
    assert "No data" in texts(parse(time_line_chart([], title="空")))
