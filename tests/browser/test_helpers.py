"""The checks themselves can fail: a page with a known defect is reported (with and without JavaScript)."""

from __future__ import annotations

import pytest

from tests.browser.helpers import assert_axe_clean, assert_reflows, assert_skip_link_first

IMAGE_WITHOUT_ALT = """() => document.querySelector('main')
    .append(Object.assign(document.createElement('img'), {src: '/static/x.png'}))"""
TOO_WIDE = """() => document.querySelector('main')
    .append(Object.assign(document.createElement('div'), {style: 'width: 900px', textContent: 'large'}))"""


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_axe_check_reports_an_image_without_text_alternative(new_page, javascript):
    page = new_page(java_script_enabled=javascript)
    page.goto("/contact")
    page.evaluate(IMAGE_WITHOUT_ALT)
    with pytest.raises(pytest.fail.Exception, match=r"image-alt \(critical\).*\n +at img: <img src=\"/static/x.png\">"):
        assert_axe_clean(page)


def test_reflow_check_reports_a_block_wider_than_320_px(page):
    page.goto("/contact")
    page.evaluate(TOO_WIDE)
    with pytest.raises(pytest.fail.Exception, match="horizontal scroll at 320 px"):
        assert_reflows(page)


def test_skip_link_check_reports_a_page_whose_first_stop_is_elsewhere(page):
    page.goto("/contact")
    page.evaluate("() => document.querySelector('.skip-link').remove()")
    with pytest.raises(AssertionError, match="first Tab stop"):
        assert_skip_link_first(page)
