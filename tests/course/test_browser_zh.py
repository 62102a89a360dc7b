"""The zh edition in a real browser: lesson 00 of notebooks/zh/ in JupyterLab with its interface in Chinese (as
``python3 course.py lab --lang zh`` starts it), run from the 运行 (Run) menu, and a screenshot saved as
``lesson00_zh.png`` (jupyter_browser.screenshot_dir). Chinese must render as text, not boxes: the machine needs a
CJK font (Debian's fonts-noto-cjk, installed by .ci/install-browser), which the test requires under CI.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import time

import pytest
from jupyter_browser import (
    ERROR_TEXTS,
    ROOT,
    RUN_ALL_TIMEOUT,
    STEP_TIMEOUT,
    chromium_page,
    jupyterlab,
    require_browser,
    screenshot_dir,
    tail,
    wait_for_idle_kernel,
)

pytestmark = pytest.mark.browser

NOTEBOOK = "00_start_here.ipynb"
ZH_SETTINGS = ROOT / "jupyter_config" / "zh" / "settings"


def has_cjk_font() -> bool:
    try:
        listed = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    return bool(listed.strip())


def test_zh_lesson00_in_jupyterlab_with_a_chinese_interface(tmp_path):
    from playwright.sync_api import expect

    require_browser()
    if not has_cjk_font():
        if os.environ.get("CI"):
            pytest.fail("no CJK font (fc-list :lang=zh is empty): .ci/install-browser installs fonts-noto-cjk")
        pytest.skip("no CJK font installed (Debian: fonts-noto-cjk); Chinese would render as boxes")
    started = time.monotonic()
    folder = tmp_path / "lab"
    folder.mkdir()
    shutil.copy(ROOT / "notebooks" / "zh" / NOTEBOOK, folder / NOTEBOOK)
    screenshot = screenshot_dir(tmp_path) / "lesson00_zh.png"
    settings = (f"--LabApp.app_settings_dir={ZH_SETTINGS}",)
    with (
        jupyterlab(folder, tmp_path / "jupyter", settings) as (base, token, log_path),
        chromium_page(viewport={"width": 1280, "height": 900}) as page,
    ):
        try:
            page.goto(f"{base}/lab/tree/{NOTEBOOK}?token={token}", wait_until="domcontentloaded")
            expect(page.locator(".jp-NotebookPanel .jp-Notebook .jp-Cell").first).to_be_visible(timeout=60_000)
            wait_for_idle_kernel(page, base, token)
            run_menu = page.locator(".lm-MenuBar-item").filter(has_text=re.compile(r"^\s*运行\s*$"))
            expect(run_menu, "JupyterLab's menu is not in Chinese").to_be_visible(timeout=STEP_TIMEOUT)
            run_menu.click()
            page.locator(".lm-Menu-item").filter(has_text=re.compile(r"^\s*运行所有单元格\s*$")).click()
            page.wait_for_function(
                """() => {
                    const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')]
                        .map(p => p.textContent.trim()).filter(text => text !== '');
                    return prompts.length > 0 && prompts.every(text => /^\\[\\d+\\]:?$/.test(text));
                }""",
                timeout=RUN_ALL_TIMEOUT,
            )
            title = page.locator(".jp-MarkdownOutput h1").first
            expect(title).to_contain_text("第 00 课")
            outputs = page.locator(".jp-OutputArea-output").all_inner_texts()
            text = page.evaluate("document.body.textContent")
            assert "[untranslated]" not in text, "a course message has no Chinese translation"
            assert any(re.search(r"[\u4e00-\u9fff]", output) for output in outputs), "no Chinese in any output"
            assert not any("✓ " in output for output in outputs), "Run All printed a check's ✓: a solution ran"
            worked = page.locator(".jp-MarkdownCell details").filter(has=page.locator("summary", has_text="参考答案"))
            expect(worked).to_have_count(3)
            assert worked.evaluate_all("blocks => blocks.every(block => !block.open)"), "a worked solution is open"
            for error in ERROR_TEXTS + ("Traceback",):
                assert error not in text, f"the page shows {error!r}"
            page.screenshot(path=str(screenshot))
        except BaseException:
            with contextlib.suppress(Exception):
                page.screenshot(path=str(tmp_path / "failure.png"), full_page=True)
            print(f"screenshot of the failure: {tmp_path / 'failure.png'}\nJupyterLab log:\n{tail(log_path)}")
            raise
    print(f"zh screenshot: {screenshot} ({time.monotonic() - started:.1f} s)")
