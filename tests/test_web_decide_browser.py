"""The decide forms in a real Chromium (Debian's, through Playwright): an example filled in,
a choice changed, the outcome with its checks; a wrong date gets its message beside the field;
a typed row shows only its type's fields. Screenshots under out/screenshots/."""

from __future__ import annotations

import re

from tests.test_browser_web import _page, _shot, browser, pytestmark, server  # noqa: F401


def test_decide_an_application_from_the_form(browser, server):  # noqa: F811
    base, _ = server
    page = _page(browser, server, "reader")
    page.click("nav >> text=决定")
    page.click("a[href='/decide/application']")
    page.click("a[href='/decide/application?example=application_jiangsu_systems']")
    assert page.locator("#f-applicant_name").input_value() == "苏州市某某诊所"
    assert page.locator("input[name='facts.management_systems.list'][value=financial]").is_checked()
    page.click("#decide")
    page.wait_for_selector("#outcome")
    jiangsu = page.locator("#outcome").inner_text()
    row = page.locator("table.checks tr", has_text="内部管理制度").first
    assert row.get_attribute("class") == "r-True"
    # the same facts under 广东 (four systems named): the condition is not met
    page.select_option("#f-region", "guangdong")
    page.click("#decide")
    page.wait_for_selector("#outcome")
    row = page.locator("table.checks tr", has_text="统计信息管理、医疗质量安全核心制度").first
    assert row.get_attribute("class") == "r-False"
    assert page.locator("#outcome").inner_text() != "" and jiangsu
    _shot(page, "10-decide-form")
    # a date that does not exist: the message beside the field, nothing decided
    page.fill("#f-date", "2026-02-30")
    page.click("#decide")
    page.wait_for_selector(".field-error[data-for=date]")
    assert page.locator(".field-error[data-for=date]").inner_text() == "2026-02-30 不存在（2026年2月只有28天）"
    assert page.locator("#outcome").count() == 0
    assert page.locator("#f-date").input_value() == "2026-02-30"
    _shot(page, "11-decide-field-error")


def test_staff_rows_show_their_own_type_and_decide(browser, server):  # noqa: F811
    base, _ = server
    page = _page(browser, server, "reader")
    page.goto(f"{base}/decide/staff?example=staff_guangdong")
    first = page.locator(".variant[data-of='events.[1]'][data-tag=scoring]")
    assert first.is_visible()
    assert not page.locator(".variant[data-of='events.[1]'][data-tag=repair]").is_visible()
    # an empty row switched to 修复 shows the repair fields only
    empty = page.locator("select[data-variant]").last
    row = empty.get_attribute("data-variant")
    empty.select_option("repair")
    assert page.locator(f".variant[data-of='{row}'][data-tag=repair]").is_visible()
    assert not page.locator(f".variant[data-of='{row}'][data-tag=scoring]").is_visible()
    page.click("#decide")
    page.wait_for_selector("#outcome")
    assert re.search(r"\S", page.locator("#outcome").inner_text())
    assert page.locator("table.checks tbody tr").count() > 0
    _shot(page, "12-decide-staff")
