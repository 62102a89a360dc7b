"""Reading and writing the course's notebooks: ddpm_lessons.course.notebooks."""

import argparse
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from ddpm_lessons.course import notebooks
from ddpm_lessons.course.notebooks import (
    ROOT,
    add_language_option,
    cell_source,
    cell_tags,
    course_notebooks,
    default_out,
    display_path,
    read_notebook,
    write_notebook,
    write_text,
)


def test_each_edition_lists_its_lessons_in_order():
    english, chinese = course_notebooks("en"), course_notebooks("zh")
    assert english and [p.parent for p in english] == [ROOT / "notebooks"] * len(english)
    assert english == sorted(english) and english[0].name.startswith("00_")
    assert [p.name for p in chinese] == [p.name for p in english]
    assert {p.parent for p in chinese} == {ROOT / "notebooks" / "zh"}
    with pytest.raises(ValueError, match="language must be one of"):
        course_notebooks("xx")


def test_language_option_and_default_out():
    parser = argparse.ArgumentParser()
    add_language_option(parser)
    assert parser.parse_args([]).lang == "en" and parser.parse_args(["--lang", "zh"]).lang == "zh"
    with pytest.raises(SystemExit):
        parser.parse_args(["--lang", "xx"])
    assert default_out(None, Path("_build/slides"), "en") == Path("_build/slides")
    assert default_out(None, Path("_build/slides"), "zh") == Path("_build/slides-zh")
    assert default_out(Path("mine"), Path("_build/slides"), "zh") == Path("mine")


def test_a_notebook_round_trips_byte_for_byte_in_its_own_version(tmp_path):
    nb = new_notebook(cells=[new_markdown_cell("# Lesson 99 — Test"), new_code_cell("x = 1  # 中文")])
    nb.nbformat_minor = 4  # an older minor version stays as it is (no conversion, no cell ids added)
    for cell in nb.cells:
        del cell["id"]
    path = tmp_path / "lesson.ipynb"
    write_notebook(nb, path)
    text = path.read_text(encoding="utf-8")
    assert text == nbformat.writes(nb, version=nbformat.NO_CONVERT) + "\n", "laid out as nbformat.write lays it out"
    again = read_notebook(path)
    assert again == nb and again.nbformat_minor == 4
    write_notebook(again, path)
    assert path.read_text(encoding="utf-8") == text
    assert [p.name for p in tmp_path.iterdir()] == ["lesson.ipynb"], "no temporary file is left behind"


def test_write_text_replaces_a_file_atomically(tmp_path):
    path = tmp_path / "README.txt"
    write_text(path, "first\n")
    write_text(path, "zweite — 第二\n")
    assert path.read_bytes() == "zweite — 第二\n".encode()
    assert [p.name for p in tmp_path.iterdir()] == ["README.txt"]


def test_cell_source_and_tags_of_nodes_and_plain_dicts():
    assert cell_source({"source": ["a\n", "b"]}) == "a\nb"
    assert cell_source(new_code_cell("x = 1")) == "x = 1"
    assert cell_source({}) == ""
    assert cell_tags({"metadata": {"tags": ["remove-slide"]}}) == ["remove-slide"]
    assert cell_tags({"metadata": {"tags": None}}) == [] and cell_tags({}) == []


def test_display_path_is_relative_inside_the_working_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert display_path(tmp_path / "a" / "b.ipynb") == str(Path("a") / "b.ipynb")
    outside = Path(notebooks.__file__)
    assert display_path(outside) == str(outside)
