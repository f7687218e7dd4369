import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from factory.charts import bar_chart, histogram, histogram_bins, line_chart, nice_ticks

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
    assert "12月" in texts(months) and "01月" not in texts(months)  # every other month, back from the last


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
