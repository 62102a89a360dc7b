"""Exports of a lesson: its reveal.js deck (offline, with the scripts copied beside it, or from CDNs) and the
figures the README shows.

:func:`export_slides` marks the notebook with :func:`~ddpm_lessons.course.slides.mark_slides` in memory first (a
deck follows the rules even where the committed metadata is stale) and converts it with nbconvert's
``SlidesExporter`` in-process, as ``jupyter nbconvert --to slides --SlidesExporter.reveal_scroll=True`` would.
Figures are embedded in the HTML. :func:`install_offline_assets` copies reveal.js (from the registry package
sphinx-revealjs), require.js, jQuery and MathJax 2 (from nbclassic) into ``_static/`` next to the decks, and every
script and style sheet of an offline deck loads from there (the saved widget state is left out, its renderer lives
on a CDN). A CDN deck needs the network to run as slides and says so on its first slide (:data:`CDN_NOTICE`).

:func:`readme_figures` / :func:`readme_png` — the figures of the cells tagged :data:`FIGURE_TAG`, as the small
palette PNGs in ``notebooks/figures`` that the README shows.
"""

from __future__ import annotations

import base64
import io
from pathlib import Path

import nbformat

from .notebooks import cell_tags, write_text
from .slides import RISE_SETTINGS, mark_slides

__all__ = [
    "REVEAL_CDN",
    "CDN_NOTICE",
    "ASSETS",
    "WIDGET_VIEW",
    "offline_sources",
    "install_offline_assets",
    "export_slides",
    "FIGURE_TAG",
    "FIGURE_WIDTH",
    "readme_figures",
    "readme_png",
]

REVEAL_CDN = "https://unpkg.com/reveal.js@4.0.2"

CDN_NOTICE = (
    "*This deck loads reveal.js, require.js and MathJax from the network (CDNs); offline it opens as one long page. "
    "To lecture offline, use RISE: `python3 course.py lab`, open the lesson and press the RISE button "
    "(README, For instructors).*"
)
"""Shown on the first slide of a deck whose scripts come from the network (:func:`export_slides`)."""

ASSETS = "_static"
"""Folder next to offline decks holding reveal.js, require.js, jQuery and MathJax 2."""
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
MATHJAX_CONFIG = """\
MathJax.Hub.Config({
  "HTML-CSS": {availableFonts: [], preferredFont: null, webFont: "STIX-Web", imageFont: null},
  styles: {".MJX_Assistive_MathML [mathvariant]": {"font-family": "inherit"}}
});
MathJax.Ajax.loadComplete("[MathJax]/config/ddpm-lessons.js");
"""
"""The offline decks' MathJax 2 settings. nbclassic's MathJax ships the STIX-Web fonts only: the HTML-CSS output
uses them (as nbclassic does). The combined configuration's MathML styles give the hidden assistive MathML of
``\\mathcal`` and friends the TeX fonts (``fonts/HTML-CSS/TeX/otf/MathJax_Script-Regular.otf``), which are not
shipped, so the browser logged a missing file: that hidden copy inherits the page's font instead."""
HEADING_CSS = """<style type="text/css">
/* reveal's white theme sets headings in capitals, which turns β_t into "Β_T" and x_T into "X_T" */
.reveal h1, .reveal h2, .reveal h3, .reveal h4, .reveal h5, .reveal h6 { text-transform: none; }
</style>
"""
"""Added after the reveal theme's style sheet in every deck (RISE gets the same rule from ``notebooks/rise.css``)."""


def _package_dir(name: str) -> Path | None:
    """Where an installed package lies, without importing it (sphinx_revealjs would import Sphinx)."""
    import importlib.util

    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def offline_sources() -> dict[str, Path] | None:
    """The files an offline deck needs, from registry packages (the ``instructor`` extra): reveal.js from
    sphinx-revealjs, require.js, jQuery and MathJax 2 from nbclassic. None when either package is missing."""
    reveal, classic = _package_dir("sphinx_revealjs"), _package_dir("nbclassic")
    if reveal is None or classic is None:
        return None
    components = classic / "static" / "components"
    sources = {
        "reveal.js": reveal / "_static" / "revealjs",
        "require.js": components / "requirejs" / "require.js",
        "jquery.min.js": components / "jquery" / "jquery.min.js",
        "MathJax": components / "MathJax",
    }
    return sources if all(path.exists() for path in sources.values()) else None


def install_offline_assets(out: Path) -> dict[str, str]:
    """Copy :func:`offline_sources` into ``out/_static`` (once; source maps left out) and return the exporter
    settings that point a deck in ``out`` at them. Raises RuntimeError naming the extra when a package is missing."""
    import shutil

    sources = offline_sources()
    if sources is None:
        raise RuntimeError(
            "offline decks need sphinx-revealjs and nbclassic (pip install -e .[instructor]; "
            "python3 course.py slides installs them)"
        )
    assets = out / ASSETS
    assets.mkdir(parents=True, exist_ok=True)
    for name, source in sources.items():
        target = assets / name
        if target.exists():
            continue
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("*.map"))
        else:
            shutil.copyfile(source, target)
    write_text(assets / "MathJax" / "config" / "ddpm-lessons.js", MATHJAX_CONFIG)
    return {
        "reveal_url_prefix": f"{ASSETS}/reveal.js",
        "require_js_url": f"{ASSETS}/require.js",
        "jquery_url": f"{ASSETS}/jquery.min.js",
        "mathjax_url": f"{ASSETS}/MathJax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full,Safe,ddpm-lessons",
        # nbconvert's reveal template always imports mermaid (for diagrams, which the lessons do not have); a module
        # file cannot be imported from file:// (CORS), so an empty module in a data: URL stands in.
        "mermaid_js_url": "data:text/javascript,export default {initialize() {}, run() {}};",
    }


def export_slides(nb, *, reveal_url_prefix: str = REVEAL_CDN, scroll: bool = True, offline: dict | None = None) -> str:
    """The reveal.js deck of ``nb`` as HTML, as ``jupyter nbconvert --to slides`` makes it (in-process). The
    notebook is marked with :func:`mark_slides` first, so the deck follows the rules even before a re-mark.

    With ``offline`` (the settings :func:`install_offline_assets` returns), every script and style sheet loads
    from the local copies and the saved widget state is left out (its renderer exists only on a CDN), so a widget
    shows its text line. Otherwise, when reveal.js comes from the network, :data:`CDN_NOTICE` is added to the
    title slide."""
    from nbconvert import SlidesExporter

    marked = mark_slides(nb)
    settings = {"reveal_url_prefix": reveal_url_prefix}
    if offline is not None:
        settings = dict(offline)
        marked["metadata"].pop("widgets", None)
        for cell in marked["cells"]:
            for output in cell.get("outputs", []) or []:
                if WIDGET_VIEW in (output.get("data", {}) or {}) and "text/plain" in output["data"]:
                    del output["data"][WIDGET_VIEW]
    elif reveal_url_prefix.startswith(("http://", "https://")) and marked["cells"]:
        notice = nbformat.v4.new_markdown_cell(CDN_NOTICE, metadata={"slideshow": {"slide_type": "-"}})
        marked["cells"].insert(1, notice)
    exporter = SlidesExporter(
        reveal_scroll=scroll,
        reveal_theme=RISE_SETTINGS["theme"],
        reveal_transition=RISE_SETTINGS["transition"],
        reveal_width=str(RISE_SETTINGS["width"]),
        reveal_height=str(RISE_SETTINGS["height"]),
        exclude_anchor_links=True,  # the headings' "¶" links are for long pages, not slides
        **settings,
    )
    body, _ = exporter.from_notebook_node(marked)
    head_end = body.rindex("</head>")
    return body[:head_end] + HEADING_CSS + body[head_end:]


FIGURE_TAG = "readme-figure"
"""Cells tagged with this have their first figure copied into ``notebooks/figures`` for the README."""
FIGURE_WIDTH = 1400
"""Wider figures are scaled down to this width; all are stored with a 256-colour palette to stay small."""


def readme_figures(nb) -> list[bytes]:
    """The first PNG figure of every cell tagged :data:`FIGURE_TAG`, in cell order (the README's screenshots)."""
    figures = []
    for cell in nb["cells"]:
        if FIGURE_TAG not in cell_tags(cell):
            continue
        pngs = [o["data"]["image/png"] for o in cell.get("outputs", []) if "image/png" in o.get("data", {})]
        if not pngs:
            raise ValueError(f"cell {cell.get('id')} is tagged {FIGURE_TAG!r} but has no figure: execute the notebook")
        figures.append(base64.b64decode(pngs[0]))
    return figures


def readme_png(png: bytes):
    """``(PNG bytes, width, height)`` of a figure as the README stores it: at most :data:`FIGURE_WIDTH` wide, with a
    256-colour palette (small files, and the same bytes each time for the same figure)."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    if image.width > FIGURE_WIDTH:
        image = image.resize((FIGURE_WIDTH, round(image.height * FIGURE_WIDTH / image.width)), Image.LANCZOS)
    image = image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue(), image.width, image.height
