"""The reveal.js decks, their offline assets and the README's figures: ddpm_lessons.course.decks."""

import html
import re
from pathlib import Path

import nbformat
import pytest
from lesson_notebooks import NOTEBOOKS, ROOT, committed, solution_lines

from ddpm_lessons.course import decks
from ddpm_lessons.course.notebooks import course_notebooks
from ddpm_lessons.course.slides import SOLUTION_SUMMARIES, slide_types


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_slides_of_every_notebook(path):
    nb = committed(path)
    body = decks.export_slides(nb)
    types = slide_types(nb)
    slides, subslides = types.count("slide"), types.count("subslide")
    # Each slide is a <section> holding its subslides, each subslide (the first included) a <section>.
    assert body.count("<section") == 2 * slides + subslides
    assert 5 <= slides + subslides <= 60, f"{path.name}: {slides + subslides} slides"
    assert "# Solution" not in body and SOLUTION_SUMMARIES["en"] not in body, "a worked solution is on a slide"
    for line in solution_lines(nb):
        assert html.escape(line, quote=False) not in body, f"a solution's output is on a slide: {line!r}"
    assert body.count('class="fragment"') == types.count("fragment")
    notice = body.find("press the RISE button")
    assert 0 < notice < body.index("</section>"), "the CDN deck says on its first slide that it needs the network"


def test_readme_figures_exist_for_every_tagged_cell_and_the_readme_shows_them():
    root = ROOT
    expected = set()
    for path in course_notebooks():
        figures = decks.readme_figures(nbformat.read(str(path), as_version=4))
        expected |= {f"notebooks/figures/{path.stem}-{k}.png" for k in range(1, len(figures) + 1)}
    assert len(expected) >= 3
    for name in expected:
        file = root / name
        assert file.is_file(), f"{name} is missing: run python3 course.py figures"
        assert file.stat().st_size < 300_000, f"{name} is {file.stat().st_size} bytes; keep README figures small"
    shown = set(re.findall(r'src="(notebooks/figures/[^"]+\.png)"', (root / "README.md").read_text(encoding="utf-8")))
    assert shown == expected


def test_readme_png_is_small_and_the_same_each_time():
    import base64
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.linear_gradient("L").resize((2 * decks.FIGURE_WIDTH, 300)).convert("RGB").save(buffer, format="PNG")
    png, width, height = decks.readme_png(buffer.getvalue())
    assert (width, height) == (decks.FIGURE_WIDTH, 150), "a wide figure is scaled down, keeping its aspect"
    assert Image.open(io.BytesIO(png)).mode == "P", "stored with a palette"
    assert decks.readme_png(buffer.getvalue())[0] == png
    cell = {"cell_type": "code", "metadata": {"tags": [decks.FIGURE_TAG]}, "outputs": [], "source": ""}
    with pytest.raises(ValueError, match="has no figure"):
        decks.readme_figures({"cells": [cell]})
    cell["outputs"] = [{"data": {"image/png": base64.b64encode(png).decode()}}]
    assert decks.readme_figures({"cells": [cell, {**cell, "metadata": {}}]}) == [png]


def offline_settings(folder: Path) -> dict:
    import os

    if decks.offline_sources() is None:
        reason = "offline decks need the instructor extra (sphinx-revealjs, nbclassic): pip install -e .[instructor]"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return decks.install_offline_assets(folder)


def test_offline_deck_loads_every_script_from_its_folder(tmp_path):
    settings = offline_settings(tmp_path)
    for name in ("reveal.js/dist/reveal.js", "reveal.js/plugin/notes/notes.js", "require.js", "jquery.min.js"):
        assert (tmp_path / decks.ASSETS / name).is_file(), name
    assert (tmp_path / decks.ASSETS / "MathJax" / "config" / "ddpm-lessons.js").is_file()
    nb = committed(ROOT / "notebooks" / "02_forward_process.ipynb")
    body = decks.export_slides(nb, offline=settings)
    remote = re.findall(r'<(?:script|link)[^>]*(?:src|href)="(https?://[^"]*)"', body)
    assert not remote, f"the offline deck still loads {remote}"
    assert "from 'https://" not in body and "https://unpkg.com" not in body
    assert decks.WIDGET_VIEW not in body and "show in JupyterLab's notebook view" in body, (
        "a widget shows its text line"
    )
    assert "press the RISE button" not in body
    assert decks.install_offline_assets(tmp_path) == settings, "a second deck folder reuses the copies"


HEADING = re.compile(r"<h([1-6])[^>]*>(.*?)</h\1>", re.S)


def test_deck_headings_keep_their_case_and_show_no_anchor():
    """reveal's white theme sets headings in capitals (β_t became "Β_T", x_T "X_T"), and nbconvert adds a "¶" link
    to every heading: the decks keep the headings as written and leave the links out."""
    body = decks.export_slides(committed(ROOT / "notebooks" / "07a_sampling.ipynb"))
    headings = [text for _, text in HEADING.findall(body)]
    assert len(headings) >= 8
    assert not [h for h in headings if "¶" in h or "anchor-link" in h], "a heading of the deck shows its ¶ link"
    theme = body.index('id="theme"')
    style = body.index(decks.HEADING_CSS)
    assert theme < style < body.index("</head>"), "the heading style must come after the theme's style sheet"
    assert re.search(r"\.reveal h1\b[^{]*\{\s*text-transform:\s*none", decks.HEADING_CSS)


@pytest.mark.parametrize("folder", ["notebooks", "notebooks/zh"])
def test_rise_css_beside_the_lessons_keeps_heading_case_and_hides_anchors(folder):
    """jupyterlab-rise loads ``rise.css`` from the notebook's folder (``course.py lab`` serves these folders)."""
    css = (ROOT / folder / "rise.css").read_text(encoding="utf-8")
    rules = dict(re.findall(r"([^{}]+)\{([^}]*)\}", re.sub(r"/\*.*?\*/", "", css, flags=re.S)))
    headings = next(body for selector, body in rules.items() if ".reveal h1" in selector and ".reveal h2" in selector)
    assert re.search(r"text-transform:\s*none", headings)
    anchors = next(body for selector, body in rules.items() if "jp-InternalAnchorLink" in selector)
    assert re.search(r"display:\s*none", anchors)
    assert "uppercase" not in css


def test_offline_deck_references_only_files_it_has(tmp_path):
    """Every script, style sheet and image an offline deck names is in its folder, and MathJax is told not to ask
    for the TeX web fonts that nbclassic's MathJax does not ship (the browser logged MathJax_Script-Regular.otf)."""
    settings = offline_settings(tmp_path)
    body = decks.export_slides(committed(ROOT / "notebooks" / "02_forward_process.ipynb"), offline=settings)
    named = re.findall(r'<(?:script|link|img)[^>]*(?:src|href)="([^"#]+)"', body)
    local = [ref.split("?")[0] for ref in named if not ref.startswith(("data:", "http://", "https://", "#"))]
    assert local, "the offline deck names its scripts"
    missing = [ref for ref in local if not (tmp_path / ref).exists()]
    assert not missing, f"the deck names files it does not have: {missing}"
    mathjax = tmp_path / decks.ASSETS / "MathJax"
    if not (mathjax / "fonts" / "HTML-CSS" / "TeX").exists():
        config = (mathjax / "config" / "ddpm-lessons.js").read_text(encoding="utf-8")
        assert ".MJX_Assistive_MathML [mathvariant]" in config and '"font-family": "inherit"' in config
