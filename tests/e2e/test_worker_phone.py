"""The worker's pages on a 360x640 phone: every tap target at least 44x44 px and apart from its neighbours,
body text and controls at least 16 px, secondary text (dates, captions) at least 14 px, nothing wider than the
screen, and the navigation whole on the screen."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import login

WORKER = "13900000001"  # the first demo worker of 辽源路

# Measures the visible page: tap targets (links, buttons, fields, summaries) and the font size of text.
MEASURE = """() => {
  const targets = [], small = [];
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    const s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none';
  };
  const name = (el) => el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).trim().split(/\\s+/).join('.') : '')
    + ' "' + String(el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 20) + '"';
  document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary').forEach((el) => {
    if (!visible(el)) return;
    const r = el.getBoundingClientRect();
    targets.push({name: name(el), x: r.left + scrollX, y: r.top + scrollY, w: r.width, h: r.height,
                  font: parseFloat(getComputedStyle(el).fontSize)});
  });
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const el = node.parentElement;
    if (!node.textContent.trim() || !el || !visible(el) || el.closest('script, style, [hidden]')) continue;
    const font = parseFloat(getComputedStyle(el).fontSize);
    const secondary = !!el.closest('.muted, .hint, small, .badge, .nums span, time, .who');
    small.push({name: name(el), font: font, secondary: secondary});
  }
  return {targets: targets, texts: small, width: document.documentElement.scrollWidth};
}"""


def _worker_pages(page: Any) -> list[str]:
    page.goto("/today")
    task = page.locator("article.task a.button[href*='/today/tasks/']").first.get_attribute("href")
    return ["/today", task, "/my/hours", "/me"]


def _problems(found: dict[str, Any]) -> list[str]:
    out = []
    targets = found["targets"]
    for t in targets:
        if t["w"] < 44 or t["h"] < 44:
            out.append(f"{t['name']} is {t['w']:.0f}x{t['h']:.0f} px")
        if t["font"] < 16:
            out.append(f"{t['name']} has {t['font']} px text")
    for i, a in enumerate(targets):  # neighbours keep a gap: no two targets touch or overlap
        for b in targets[i + 1 :]:
            apart_x = a["x"] + a["w"] + 4 <= b["x"] + 0.5 or b["x"] + b["w"] + 4 <= a["x"] + 0.5
            apart_y = a["y"] + a["h"] + 4 <= b["y"] + 0.5 or b["y"] + b["h"] + 4 <= a["y"] + 0.5
            contained = (  # a field's label or an inner control counts as the same target
                a["x"] <= b["x"]
                and a["y"] <= b["y"]
                and a["x"] + a["w"] >= b["x"] + b["w"]
                and a["y"] + a["h"] >= b["y"] + b["h"]
            )
            if not (apart_x or apart_y or contained):
                out.append(f"{a['name']} and {b['name']} are less than 4 px apart")
    for t in found["texts"]:
        least = 14 if t["secondary"] else 16
        if t["font"] < least:
            out.append(f"text in {t['name']} is {t['font']} px (at least {least})")
    if found["width"] > 360:
        out.append(f"the page is {found['width']} px wide")
    return sorted(set(out))


def test_worker_pages_have_large_targets_and_readable_text(page: Any) -> None:
    login(page, WORKER)
    problems = {}
    for path in _worker_pages(page):
        page.goto(path)
        found = _problems(page.evaluate(MEASURE))
        if found:
            problems[path] = found
    assert not problems, "\n".join(f"{path}: {p}" for path, found in problems.items() for p in found)


@pytest.mark.parametrize("path", ["/today", "/my/hours"])
def test_worker_navigation_is_whole_on_the_screen(page: Any, path: str) -> None:
    login(page, WORKER)
    page.goto(path)
    links = page.locator("nav.mainnav a")
    names = [links.nth(i).inner_text() for i in range(links.count())]
    assert {"今天", "我的工资", "我的账户"} <= set(names)
    for i in range(links.count()):
        box = links.nth(i).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 360, names[i]
        assert box["height"] >= 44 and box["width"] >= 44, names[i]
    assert page.evaluate("document.querySelector('nav.mainnav').scrollWidth") <= 360


def test_a_bad_count_is_explained_in_chinese_under_the_field(page: Any) -> None:
    """An empty field or more pieces than the lot has left: the page says why in the worker's language
    (not the browser's bubble, which speaks the phone's language), and nothing is queued."""
    login(page, WORKER)
    page.goto("/today")
    form = page.locator("form.report").first
    left = int(form.get_attribute("data-left"))
    form.locator("button.wide").click()
    assert form.locator(".js-error").inner_text() == "请填做好了几件（整数），比如 5。"
    form.locator("input[name=pieces]").fill(str(left + 5))
    form.locator("button.wide").click()
    assert form.locator(".js-error").inner_text() == f"这一批只剩 {left} 件可报。"
    assert (
        page.evaluate("JSON.parse(localStorage.getItem('mf.outbox.v1') || '[]').length") == 0
    )  # nothing queued
