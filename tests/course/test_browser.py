"""Lesson 02's noising explorer in a real browser: JupyterLab + headless Chromium driven by Playwright.

nbval runs no JavaScript, so it cannot tell whether a widget actually renders and reacts. This test does what a
learner does: it opens a copy of the lesson in JupyterLab, runs all cells from the Run menu, moves the "t" slider
and checks that the explorer's picture changes and that no widget error appears; on the way it checks that Run All
ran no worked solution and that a click opens one. A screenshot of the explorer is
saved as ``lesson02_explorer.png`` (see jupyter_browser.screenshot_dir).

Needs Playwright (a dependency in pyproject.toml) and Debian's chromium at /usr/bin/chromium
(``bash .ci/install-browser``); never ``playwright install``. Without them the test is skipped, except under CI
(``CI`` set), where a missing browser fails it.
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import time
from pathlib import Path

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

NOTEBOOK = "02_forward_process.ipynb"
EXPLORER_CALL = "noising_explorer("


def explorer_notebook(folder: Path) -> Path:
    """Copy the lesson alone into ``folder`` (JupyterLab's root), after checking that it has the explorer cell."""
    source = ROOT / "notebooks" / NOTEBOOK
    cells = json.loads(source.read_text(encoding="utf-8"))["cells"]
    if not any(cell["cell_type"] == "code" and EXPLORER_CALL in "".join(cell["source"]) for cell in cells):
        pytest.fail(
            f"lesson 02 has no noising_explorer cell: no code cell of notebooks/{NOTEBOOK} calls {EXPLORER_CALL}…)"
        )
    folder.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy(source, folder / NOTEBOOK))


def check_worked_solutions_stay_closed(page) -> None:
    """After Run All: no check printed ✓ (no worked solution ran), each worked solution is a closed <details>
    block whose code is hidden, and a click on its summary shows the code (issue 24)."""
    from playwright.sync_api import expect

    outputs = " ".join(page.locator(".jp-OutputArea").all_inner_texts())
    assert "✓ " not in outputs, "Run All printed a check's ✓ line: a worked solution ran"
    worked = page.locator(".jp-MarkdownCell details").filter(has=page.locator("summary", has_text="Worked solution"))
    expect(worked).to_have_count(4)
    assert worked.evaluate_all("blocks => blocks.every(block => !block.open)"), "a worked solution is open"
    first = worked.first
    first.scroll_into_view_if_needed()
    expect(first.locator("pre")).to_be_hidden()
    first.locator("summary").click()
    expect(first.locator("pre")).to_be_visible()
    expect(first.locator("pre")).to_contain_text("def chain_coefficients(a, b):")
    first.locator("summary").click()


def test_lesson02_noising_explorer_in_jupyterlab(tmp_path):
    from playwright.sync_api import expect

    require_browser()
    started = time.monotonic()
    notebook = explorer_notebook(tmp_path / "lab")
    screenshot = screenshot_dir(tmp_path) / "lesson02_explorer.png"
    with jupyterlab(notebook.parent, tmp_path / "jupyter") as (base, token, log_path), chromium_page() as page:
        try:
            page.goto(f"{base}/lab/tree/{NOTEBOOK}?token={token}", wait_until="domcontentloaded")
            expect(page.locator(".jp-NotebookPanel .jp-Notebook .jp-Cell").first).to_be_visible(timeout=60_000)
            # Run All before the page is connected to its kernel asks for a kernel instead of running anything,
            # so wait until the server sees the page's kernel connection and the status bar says it is idle.
            wait_for_idle_kernel(page, base, token)
            idle = page.locator(".jp-StatusBar-TextItem").filter(has_text=re.compile(r"ipykernel\)\s*\|\s*Idle"))

            # Run → Run All Cells, as a learner would.
            page.locator(".lm-MenuBar-item").filter(has_text=re.compile(r"^\s*Run\s*$")).click()
            page.locator(".lm-Menu-item").filter(has_text=re.compile(r"^\s*Run All Cells\s*$")).click()
            first_prompt = page.locator(".jp-CodeCell .jp-InputPrompt").first
            expect(first_prompt, "Run All Cells did not start the first cell").to_have_text(
                re.compile(r"\[(\*|\d+)\]"), timeout=STEP_TIMEOUT
            )

            slider = page.locator(".widget-hslider").filter(
                has=page.locator("label.widget-label", has_text=re.compile(r"^t$"))
            )
            expect(slider).to_be_visible(timeout=RUN_ALL_TIMEOUT)
            page.wait_for_function(  # every code cell shows its execution count (cells with hidden source show
                # no prompt): the whole lesson has run
                """() => [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')]
                         .map(p => p.textContent.trim()).filter(text => text !== '')
                         .every(text => /^\\[\\d+\\]:?$/.test(text))""",
                timeout=RUN_ALL_TIMEOUT,
            )
            expect(idle).to_be_visible()
            check_worked_solutions_stay_closed(page)
            explorer = page.locator(".widget-vbox").filter(has=slider).filter(has=page.locator("img.widget-image"))
            picture, label = explorer.locator("img.widget-image"), explorer.locator("div.widget-label")
            expect(picture).to_be_visible()
            explorer.scroll_into_view_if_needed()
            before, label_before = picture.get_attribute("src"), label.inner_text()
            assert before and before.startswith(("blob:", "data:")), f"unexpected img src {before!r}"
            assert "ᾱ_t" in label_before, label_before

            handle = slider.locator(".noUi-handle")
            handle.focus()
            for _ in range(3):
                handle.press("ArrowRight")
            expect(slider.locator(".widget-readout")).to_have_text("3")
            expect(picture).not_to_have_attribute("src", before)
            expect(label).to_contain_text("t = 3 ")
            handle.press("End")
            expect(slider.locator(".widget-readout")).to_have_text(re.compile(r"^\d{3,}$"))
            expect(label).not_to_contain_text("t = 3 ")
            # Type a step into the slider's readout, then switch the schedule: both redraw the picture.
            readout = slider.locator(".widget-readout")
            readout.click()
            page.keyboard.press("ControlOrMeta+A")
            page.keyboard.type("250")
            page.keyboard.press("Enter")
            expect(label).to_contain_text("t = 250 ")
            linear_text, linear_src = label.inner_text(), picture.get_attribute("src")
            explorer.locator(".widget-toggle-button:not(.mod-active)").first.click()  # the other schedule
            expect(label).not_to_have_text(linear_text)
            expect(label).to_contain_text("t = 250 ")
            expect(picture).not_to_have_attribute("src", linear_src)
            assert picture.evaluate("img => img.complete && img.naturalWidth > 0"), "the new picture did not load"

            text = page.evaluate("document.body.textContent")
            for error in ERROR_TEXTS:
                assert error not in text, f"the page shows {error!r}"
            # jupyter_config/ (JUPYTER_CONFIG_PATH, as course.py lab sets it) turns JupyterLab's news prompt off.
            assert "official Jupyter news" not in text, "JupyterLab asks about news: jupyter_config/ was not read"
            explorer.screenshot(path=str(screenshot))
        except BaseException:
            with contextlib.suppress(Exception):
                page.screenshot(path=str(tmp_path / "failure.png"), full_page=True)
            print(f"screenshot of the failure: {tmp_path / 'failure.png'}\nJupyterLab log:\n{tail(log_path)}")
            raise
    print(f"explorer screenshot: {screenshot} ({time.monotonic() - started:.1f} s)")
