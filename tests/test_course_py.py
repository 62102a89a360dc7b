"""course.py's set-up logic (extras, stamps, the lab command) and the CI workflow for a fork (.github/workflows)."""

from __future__ import annotations

import importlib.util
import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"


@pytest.fixture(scope="module")
def course():
    spec = importlib.util.spec_from_file_location("course_py_under_test", ROOT / "course.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def readme_test_command() -> str:
    """The README's command 2 ("run all unit tests …") from its "Two commands" block."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"^(python3 course\.py \w+)\s+# 2\.", readme, re.MULTILINE)
    assert match, "README.md has no '# 2.' test command"
    return match.group(1)


def test_stamp_records_extras_and_a_larger_install_covers_a_smaller_one(course):
    both = course.wanted_stamp(("test", "instructor"))
    assert both.endswith("extras instructor,test")
    assert course.stamp_covers(both, ("test",)) and course.stamp_covers(both, ("test", "instructor"))
    assert not course.stamp_covers(course.wanted_stamp(("test",)), ("test", "instructor"))
    assert not course.stamp_covers("0" * 64 + " python 3.11 extras instructor,test", ("test",)), "pyproject changed"
    assert not course.stamp_covers(both.split(" extras ")[0], ("test",)), "an old stamp without extras"


def test_instructor_extra_only_where_nbgrader_is_needed(course):
    assert course.COMMAND_EXTRAS["assignments"] == ("test", "instructor")
    assert course.COMMAND_EXTRAS["test"] == ("test", "instructor")
    assert course.COMMAND_EXTRAS["slides"] == ("test", "instructor")
    assert "lab" not in course.COMMAND_EXTRAS and course.EXTRAS == ("test",)
    assert "course.py assignments" in course.__doc__ and "assignments" in course.COMMANDS


def test_lab_uses_the_course_jupyter_config_and_allows_root(course, monkeypatch):
    config = ROOT / "jupyter_config" / "labconfig" / "page_config.json"
    assert '"@jupyterlab/apputils-extension:announcements": true' in config.read_text(encoding="utf-8")
    monkeypatch.setenv("JUPYTER_CONFIG_PATH", "/elsewhere")
    assert course.jupyter_env()["JUPYTER_CONFIG_PATH"].split(":") == [str(ROOT / "jupyter_config"), "/elsewhere"]
    monkeypatch.setattr(course.os, "geteuid", lambda: 0, raising=False)
    as_root = course.lab_command(Path("python"), ["--no-browser"])
    assert as_root[1:4] == ["-m", "jupyter", "lab"] and "--allow-root" in as_root and as_root[-1] == "--no-browser"
    assert course.lab_command(Path("python"), ["--allow-root"]).count("--allow-root") == 1
    monkeypatch.setattr(course.os, "geteuid", lambda: 1000, raising=False)
    assert "--allow-root" not in course.lab_command(Path("python"), [])


def test_ci_workflow_runs_the_readme_test_command():
    yaml = pytest.importorskip("yaml")  # PyYAML, in the test extra
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    job = workflow["jobs"]["test"]
    assert job["runs-on"].startswith("ubuntu")
    steps = job["steps"]
    setup = next(s for s in steps if str(s.get("uses", "")).startswith("actions/setup-python"))
    assert str(setup["with"]["python-version"]) == "3.11" and setup["with"]["cache"] == "pip"
    runs = [s.get("run", "") for s in steps]
    assert any("apt-get install" in r and "chromium" in r for r in runs), "chromium from apt for the browser tests"
    command = readme_test_command()
    assert command == "python3 course.py test"
    assert any(r.strip() == command for r in runs), f"the workflow does not run the README's {command!r}"
    assert any(r.strip() == "python3 course.py lint" for r in runs)
    upload = next(s for s in steps if str(s.get("uses", "")).startswith("actions/upload-artifact"))
    assert upload.get("if") == "always()"
    screenshots = job["env"]["DDPM_LESSONS_SCREENSHOTS"]
    assert upload["with"]["path"].rstrip("/") == screenshots.replace("${{ github.workspace }}/", "")
    assert job["env"]["CI"] == "true"
    helpers = (ROOT / "tests" / "course" / "jupyter_browser.py").read_text(encoding="utf-8")
    assert "DDPM_LESSONS_SCREENSHOTS" in helpers, "the browser tests write their screenshots where CI uploads them"


def test_lab_lang_zh_opens_the_chinese_edition_with_a_chinese_interface(course, monkeypatch):
    monkeypatch.setattr(course.os, "geteuid", lambda: 1000, raising=False)
    english = course.lab_command(Path("python"), ["--no-browser"])
    assert english[4] == "notebooks/00_start_here.ipynb" and not any("app_settings_dir" in a for a in english)
    zh = course.lab_command(Path("python"), ["--lang", "zh", "--no-browser"])
    assert zh[4] == "notebooks/zh/00_start_here.ipynb" and "--lang" not in zh and zh[-1] == "--no-browser"
    assert f"--LabApp.app_settings_dir={course.ZH_SETTINGS}" in zh
    overrides = (course.ZH_SETTINGS / "overrides.json").read_text(encoding="utf-8")
    assert '"locale": "zh_CN"' in overrides
    assert course.take_language(["--lang=zh", "x"]) == ("zh", ["x"])
    with pytest.raises(course.CommandLineError, match="--lang must be one of"):
        course.take_language(["--lang", "fr"])


@pytest.mark.slow
def test_jupyterlab_takes_the_zh_locale_from_the_course_settings(course, tmp_path):
    """A real JupyterLab server started as ``lab --lang zh`` starts it: its translation setting defaults to zh_CN,
    and the Chinese language pack is installed."""
    import json
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyter",
            "lab",
            "--no-browser",
            "--allow-root",
            f"--port={port}",
            "--ServerApp.ip=127.0.0.1",
            "--IdentityProvider.token=t",
            f"--ServerApp.root_dir={tmp_path}",
            f"--LabApp.app_settings_dir={course.ZH_SETTINGS}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}/lab/api/settings/@jupyterlab/translation-extension:plugin"
        for _ in range(120):
            try:
                request = urllib.request.Request(url, headers={"Authorization": "token t"})
                with urllib.request.urlopen(request, timeout=2) as response:
                    schema = json.load(response)["schema"]
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("JupyterLab did not answer within 60 s")
        assert schema["properties"]["locale"]["default"] == "zh_CN"
        request = urllib.request.Request(
            url.replace("settings/@jupyterlab/translation-extension:plugin", "translations/zh_CN"),
            headers={"Authorization": "token t"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert json.load(response)["data"], "the zh_CN language pack is not installed"
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_timings_takes_parts_in_a_fixed_order_and_refuses_unknown_ones(course, capsys):
    assert course.timings_arguments([]).parts == ["arch", "unit", "slow", "notebooks"]
    assert course.timings_arguments(["notebooks", "arch"]).parts == ["arch", "notebooks"]
    assert course.timings_arguments(["arch", "--clean-clone"]).parts == ["arch", "clean-clone"]
    assert course.timings_arguments(["--clean-clone"]).parts[-1] == "clean-clone"
    with pytest.raises(SystemExit):
        course.timings_arguments(["lessons"])
    assert "unknown part lessons" in capsys.readouterr().err
    assert course.COMMANDS["timings"] is course.cmd_timings and "course.py timings" in course.__doc__


SMALL_MODULE = '''"""A module docstring: not code."""


def check_positive(x, name):
    """Docstring lines are not code lines."""
    if x <= 0:
        raise ValueError(
            f"{name} must be positive"
        )
    return x


class Stepper:
    def step(self, x, eta):
        # a comment is not code
        eta = check_real(eta, "eta")
        validation.check_tensor(x, "x")
        if eta > 1:
            eta = 1.0
        else:
            raise ValueError("eta")

        def inner():
            return x

        return x * eta
'''


def test_ast_statistics_count_functions_and_check_lines(course):
    assert course.functions(SMALL_MODULE) == {"check_positive": 7, "Stepper.step": 13, "Stepper.step.inner": 2}
    code = course.code_lines(SMALL_MODULE)
    assert code == {4, 6, 7, 8, 9, 10, 13, 14, 16, 17, 18, 19, 20, 21, 23, 24, 26}, "no docstring, comment or blank"
    # if + multi-line raise (6-9), check_real and validation.check_tensor (16, 17), the else's raise (21).
    assert course.check_lines(SMALL_MODULE) & code == {6, 7, 8, 9, 16, 17, 21}
    assert course.check_share(SMALL_MODULE) == (7, 17)


def test_architecture_rows_read_a_package_without_importing_it(course, tmp_path):
    package = tmp_path / "ddpm_lessons"
    (package / "sub").mkdir(parents=True)
    body = "\n".join(f"    x{i} = {i}" for i in range(50))
    (package / "sampling.py").write_text(f"def sample_trajectory():\n{body}\n\n\ndef sample():\n    return 1\n")
    (package / "process.py").write_text("import nothing_importable\n\n\ndef f(x):\n    check_x(x)\n    return x\n")
    (package / "sub" / "long.py").write_text("def big():\n" + "\n".join(f"    y{i} = {i}" for i in range(70)) + "\n")
    rows = {row[0]: row[1:] for row in course.architecture_rows(package)}
    assert rows["lines of ddpm_lessons.sampling.sample_trajectory"] == ("51", "≤ 40", True)
    assert rows["lines of ddpm_lessons.sampling.sample"] == ("2", "≤ 40", False)
    assert rows["lines of ddpm_lessons.train.train"] == ("not found", "≤ 60", False)
    assert rows["longest function: ddpm_lessons.sub.long.big"] == ("71", "≤ 60", True)
    assert rows["check lines in process.py"][0] == "1/4 = 25%"


def test_timings_table_aligns_columns_and_flags_what_is_over_budget(course):
    text = course.table(
        [("unit tests", "45.0 s", "≤ 60 s", False), ("  notebooks/07.ipynb", "102.3 s", "≤ 90 s", True)]
    )
    header, unit, lesson = text.splitlines()
    assert header.split() == ["measure", "value", "budget"]
    assert unit.index("45.0 s") == lesson.index("102.3 s") == header.index("value")
    assert lesson.endswith("OVER") and not unit.endswith("OVER")


def test_junit_outcomes_count_and_sum_per_file(course, tmp_path):
    xml = tmp_path / "junit.xml"
    xml.write_text(
        '<testsuites><testsuite><testcase file="notebooks/03.ipynb" name="Cell 0" time="1.5"/>'
        '<testcase file="notebooks/03.ipynb" name="Cell 1" time="2.0"><failure message="x"/></testcase>'
        '<testcase file="tests/test_a.py" name="t" time="0.25"><skipped message="y"/></testcase>'
        "</testsuite></testsuites>"
    )
    counts, seconds = course.junit_outcomes(xml)
    assert counts == {"passed": 1, "failed": 1, "skipped": 1}
    assert seconds == {"notebooks/03.ipynb": 3.5, "tests/test_a.py": 0.25}
    assert course.summary(counts, 1) == "1 passed, 1 failed, 1 skipped; pytest exit code 1"


def test_ci_spreads_the_tests_over_the_cpus_one_notebook_per_worker(course, monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    assert course.parallel([], 2) == ([], {}), "a local run stays in one process (pdb, -x and output as usual)"
    monkeypatch.setenv("CI", "true")
    args, env = course.parallel([], 2)
    assert args == ["-n", "2", "--dist", "loadfile"] and env["OMP_NUM_THREADS"] == "1"
    assert course.parallel([], 64)[0][1] == str(course.MAX_WORKERS)
    assert course.parallel([], 1) == ([], {})
    assert course.parallel(["-n", "3"], 2) == course.parallel(["-p", "no:xdist"], 2) == ([], {})
    monkeypatch.setenv("CI", "false")
    assert course.parallel([], 2) == ([], {})


@pytest.fixture(scope="module")
def root_conftest():
    spec = importlib.util.spec_from_file_location("root_conftest_under_test", ROOT / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_slow_list_names_tests_files_and_parametrisations(root_conftest):
    listed = root_conftest.is_listed
    assert listed("tests/a.py::test_x", "tests/a.py::test_x") and listed("tests/a.py::test_x[1]", "tests/a.py::test_x")
    assert listed("tests/a.py::test_x", "tests/a.py") and not listed("tests/a.py::test_xy", "tests/a.py::test_x")
    assert not listed("tests/ab.py::test_x", "tests/a.py")
    for entry in root_conftest.SLOW_TESTS:
        assert (ROOT / entry.split("::")[0]).is_file(), entry


@pytest.mark.parametrize("readme, language", [("README.md", "en"), ("README.zh-CN.md", "zh")])
def test_the_readmes_rise_address_is_relative_to_the_folder_lab_serves(course, readme, language):
    # `jupyter lab FOLDER/00_start_here.ipynb` serves FOLDER: RISE finds a lesson at /rise/<name>, the address that
    # tests/course/test_rise.py opens; /rise/notebooks/... was a 404.
    command = course.lab_command(Path("python"), ["--lang", language] if language == "zh" else [])
    opened = ROOT / command[4]  # python -m jupyter lab FILE
    assert opened.name == "00_start_here.ipynb" and opened.parent == ROOT / course.LANGUAGES[language]
    addresses = re.findall(r"localhost:8888(/rise/[^?`\s]+)\?token", (ROOT / readme).read_text(encoding="utf-8"))
    assert addresses, f"{readme} gives no RISE address"
    for address in addresses:
        assert (opened.parent / address.removeprefix("/rise/")).is_file(), (readme, address)


# ---------------------------------------------------- issue 25 §5: one line for every mistake, before the environment
@pytest.fixture
def no_environment(course, monkeypatch):
    """course.py's environment set-up replaced by a failure: a refusal must come before it."""

    def refuse(*args, **kwargs):
        raise AssertionError("the environment was set up before the arguments were checked")

    monkeypatch.setattr(course, "ensure_environment", refuse)


def test_an_unknown_command_is_named_and_the_commands_listed(course, no_environment, capsys):
    assert course.main(["bogus"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1
    assert captured.err.startswith("error: unknown command 'bogus'; the commands are lab, test, lint, execute")
    assert all(name in captured.err for name in course.COMMANDS)
    assert course.main([]) == 2 and "error: give a command: lab, test" in capsys.readouterr().err
    assert course.main(["--help"]) == 0 and "python3 course.py lab" in capsys.readouterr().out


@pytest.mark.parametrize("command", ["lab", "execute", "student", "slides", "assignments", "mark-slides"])
def test_the_language_is_checked_before_the_environment(course, no_environment, command, capsys):
    assert course.main([command, "--lang", "xx"]) == 2
    assert capsys.readouterr().err == "error: --lang must be one of en, zh; got 'xx'\n"


def test_execute_checks_its_notebooks_before_the_environment(course, no_environment, tmp_path, capsys):
    (tmp_path / "README.md").write_text("# not a notebook\n", encoding="utf-8")
    (tmp_path / "broken.ipynb").write_text('{"cells": [\n', encoding="utf-8")
    (tmp_path / "list.ipynb").write_text("[]", encoding="utf-8")
    (tmp_path / "folder.ipynb").mkdir()
    os.mkfifo(tmp_path / "pipe.ipynb")
    for name, words in [
        ("nonexistent.ipynb", "no such notebook"),
        ("README.md", "is not a Jupyter notebook (not JSON"),
        ("broken.ipynb", "is not a Jupyter notebook (not JSON"),
        ("list.ipynb", "is not a Jupyter notebook (no cells"),
        ("folder.ipynb", "is not a notebook file"),
        ("pipe.ipynb", "is not a notebook file"),
    ]:
        assert course.main(["execute", str(tmp_path / name)]) == 2
        err = capsys.readouterr().err
        assert err.startswith("error: ") and words in err and err.endswith("(NOTEBOOK)\n") and err.count("\n") == 1
    lesson = ROOT / "notebooks" / "02_forward_process.ipynb"
    assert course.execute_notebooks([str(lesson)]) == [lesson], "a lesson passes the checks"
    assert course.execute_notebooks(["--lang", "zh"]) == sorted((ROOT / "notebooks" / "zh").glob("[0-9][0-9]_*.ipynb"))
    assert course.main(["execute", "--timeout", "5"]) == 2
    assert capsys.readouterr().err == "error: execute takes notebooks and --lang, not --timeout\n"


def test_timings_refuses_in_one_line(course, capsys):
    with pytest.raises(SystemExit) as stopped:
        course.timings_arguments(["bogus"])
    assert stopped.value.code == 2
    assert (
        capsys.readouterr().err == "error: unknown part bogus; choose from arch, unit, slow, notebooks, clean-clone\n"
    )
