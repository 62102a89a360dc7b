"""course.py's set-up logic (extras, stamps, the lab command) and the CI workflow for a fork (.github/workflows)."""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import re
import subprocess
import sys
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
    assert english[4] == "my-lessons/00_start_here.ipynb" and not any("app_settings_dir" in a for a in english)
    zh = course.lab_command(Path("python"), ["--lang", "zh", "--no-browser"])
    assert zh[4] == "my-lessons/zh/00_start_here.ipynb" and "--lang" not in zh and zh[-1] == "--no-browser"
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
    # `jupyter lab FOLDER/00_start_here.ipynb` serves FOLDER, the learner's workspace, which holds a copy of every
    # committed lesson under its own name: RISE finds a lesson at /rise/<name>, the address that
    # tests/course/test_rise.py opens; /rise/notebooks/... was a 404.
    command = course.lab_command(Path("python"), ["--lang", language] if language == "zh" else [])
    opened = ROOT / command[4]  # python -m jupyter lab FILE
    assert opened.name == "00_start_here.ipynb" and opened.parent == course.WORKSPACES[language]
    addresses = re.findall(r"localhost:8888(/rise/[^?`\s]+)\?token", (ROOT / readme).read_text(encoding="utf-8"))
    assert addresses, f"{readme} gives no RISE address"
    copied = {lesson.name for lesson in course.committed_lessons(language)}  # what prepare_workspace copies there
    for address in addresses:
        assert address.removeprefix("/rise/") in copied, (readme, address)


# ---- the learner's workspace (issue 24, item 2): lab opens my-lessons/, reset restores a lesson ----


def lesson_json(title: str) -> str:
    return json.dumps({"cells": [{"cell_type": "markdown", "metadata": {}, "source": [title]}], "metadata": {}}) + "\n"


def git(checkout: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=checkout, capture_output=True, text=True, check=True)
    return done.stdout


@pytest.fixture
def checkout(tmp_path):
    """A small git checkout of the course: this course.py and .gitignore, three lessons in each edition, committed;
    course.py loaded from it, so its ROOT and my-lessons/ lie in the checkout."""
    root = tmp_path / "ddpm-lessons"
    for folder in ("notebooks", "notebooks/zh"):
        (root / folder).mkdir(parents=True)
        for name in ("00_start_here", "02_forward_process", "10_claims_and_capstone"):
            (root / folder / f"{name}.ipynb").write_text(lesson_json(f"# {folder} {name}"), encoding="utf-8")
        (root / folder / "rise.css").write_text("h1 { text-transform: none; }\n", encoding="utf-8")
    for name in ("course.py", ".gitignore", "pyproject.toml"):
        (root / name).write_bytes((ROOT / name).read_bytes())
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "course")
    spec = importlib.util.spec_from_file_location("course_py_in_checkout", root / "course.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_first_lab_run_copies_every_lesson_into_the_ignored_workspace(checkout):
    copied, changed = checkout.prepare_workspace("en")
    assert copied == ["00_start_here.ipynb", "02_forward_process.ipynb", "10_claims_and_capstone.ipynb"] and not changed
    workspace = checkout.ROOT / "my-lessons"
    for name in copied:
        assert (workspace / name).read_bytes() == (checkout.ROOT / "notebooks" / name).read_bytes()
    assert checkout.prepare_workspace("zh")[0] == copied
    assert "notebooks/zh" in (workspace / "zh" / "02_forward_process.ipynb").read_text(encoding="utf-8")
    assert git(checkout.ROOT, "status", "--porcelain", "--untracked-files=all") == "", "the workspace is git-ignored"
    # the slides' style sheet is the course's, not the learner's: copied beside the lessons and kept current
    style = checkout.ROOT / "notebooks" / "rise.css"
    assert (workspace / "rise.css").read_bytes() == style.read_bytes()
    style.write_text("h2 { text-transform: none; }\n", encoding="utf-8")
    checkout.prepare_workspace("en")
    assert (workspace / "rise.css").read_bytes() == style.read_bytes()
    report = checkout.workspace_report("zh", copied, changed)
    assert "my-lessons/zh/" in report and "python3 course.py reset NN --lang zh" in report


def test_a_second_run_keeps_an_edited_copy_and_reports_a_newer_committed_lesson(checkout):
    checkout.prepare_workspace("en")
    mine = checkout.ROOT / "my-lessons" / "02_forward_process.ipynb"
    mine.write_text(lesson_json("my answers"), encoding="utf-8")
    (checkout.ROOT / "my-lessons" / "00_start_here.ipynb").unlink()  # a learner deleted one: it comes back
    assert checkout.prepare_workspace("en") == (["00_start_here.ipynb"], [])
    assert "my answers" in mine.read_text(encoding="utf-8")
    # The course changes the lesson (a git pull): the learner's copy stays and the change is reported, not forced.
    (checkout.ROOT / "notebooks" / "02_forward_process.ipynb").write_text(lesson_json("new"), encoding="utf-8")
    copied, changed = checkout.prepare_workspace("en")
    assert (copied, changed) == ([], ["02_forward_process.ipynb"]) and "my answers" in mine.read_text(encoding="utf-8")
    report = checkout.workspace_report("en", copied, changed)
    assert "notebooks/02_forward_process.ipynb has changed" in report and "course.py reset 02 " in report


def test_reset_restores_a_lesson_and_keeps_the_learners_copy_as_a_backup(checkout, capsys):
    checkout.prepare_workspace("en")
    mine = checkout.ROOT / "my-lessons" / "02_forward_process.ipynb"
    mine.write_text(lesson_json("my answers"), encoding="utf-8")
    assert checkout.main(["reset", "2"]) == 0
    assert mine.read_bytes() == (checkout.ROOT / "notebooks" / "02_forward_process.ipynb").read_bytes()
    backups = sorted(mine.parent.glob("02_forward_process.backup-*.ipynb"))
    assert len(backups) == 1 and "my answers" in backups[0].read_text(encoding="utf-8")
    said = capsys.readouterr().out
    assert "my-lessons/02_forward_process.ipynb restored" in said and backups[0].name in said
    assert checkout.main(["reset", "02_forward_process"]) == 0, "an unchanged copy: nothing to back up"
    assert "already the course's version" in capsys.readouterr().out
    assert len(sorted(mine.parent.glob("02_forward_process.backup-*.ipynb"))) == 1
    # The Chinese edition, and a lesson the workspace does not have yet.
    assert checkout.main(["reset", "10", "--lang", "zh"]) == 0
    assert "my-lessons/zh/10_claims_and_capstone.ipynb copied from notebooks/zh/" in capsys.readouterr().out
    assert "notebooks/zh" in (checkout.ROOT / "my-lessons" / "zh" / "10_claims_and_capstone.ipynb").read_text()
    assert git(checkout.ROOT, "status", "--porcelain", "--untracked-files=all") == ""


def test_reset_refuses_an_unknown_lesson_before_touching_anything(checkout, capsys):
    with pytest.raises(SystemExit) as stopped:
        checkout.main(["reset", "02", "99"])
    assert stopped.value.code == 2
    assert "no lesson 99; the lessons are 00 02 10" in capsys.readouterr().err
    assert not (checkout.ROOT / "my-lessons").exists()


def test_a_lesson_in_parts_is_found_by_its_number_and_letter(checkout, capsys):
    # lesson 03 in two parts (issue 21): 03a and 03b are lessons of their own, "03" names neither
    for folder in ("notebooks", "notebooks/zh"):
        for name in ("03a_reverse_process", "03b_elbo_and_simple_loss"):
            (checkout.ROOT / folder / f"{name}.ipynb").write_text(lesson_json(f"# {name}"), encoding="utf-8")
    names = [p.name for p in checkout.committed_lessons("en")]
    assert names[1:4] == ["02_forward_process.ipynb", "03a_reverse_process.ipynb", "03b_elbo_and_simple_loss.ipynb"]
    assert checkout.find_lesson("en", "3a").name == "03a_reverse_process.ipynb"
    assert checkout.find_lesson("zh", "03b").name == "03b_elbo_and_simple_loss.ipynb"
    assert checkout.find_lesson("en", "2").name == "02_forward_process.ipynb"
    assert checkout.find_lesson("en", "03") is None
    with pytest.raises(SystemExit):
        checkout.main(["reset", "03"])
    assert "no lesson 03; the lessons are 00 02 03a 03b 10" in capsys.readouterr().err


def test_a_sitting_in_the_workspace_leaves_the_checkout_clean(checkout, monkeypatch):
    """lab's preparation, then what a sitting does: edit and save lessons, JupyterLab's checkpoints, a run folder."""
    commands = []
    monkeypatch.setattr(checkout, "run", lambda args, **env: commands.append((args, env)) or 0)
    monkeypatch.setattr(checkout.os, "geteuid", lambda: 1000, raising=False)
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    assert checkout.cmd_lab(Path("python"), ["--no-browser", "--lang", "zh", "--threads", "2"]) == 0
    (args, env) = commands[0]
    assert args[4] == "my-lessons/zh/00_start_here.ipynb" and "--threads" not in args and args[-1] == "--no-browser"
    assert env["OMP_NUM_THREADS"] == "2" and env["JUPYTER_CONFIG_PATH"].startswith(str(checkout.ROOT))
    checkout.cmd_lab(Path("python"), [])
    lesson = checkout.ROOT / "my-lessons" / "02_forward_process.ipynb"
    lesson.write_text(lesson_json("edited in a sitting"), encoding="utf-8")
    (lesson.parent / ".ipynb_checkpoints").mkdir()
    (lesson.parent / ".ipynb_checkpoints" / "02_forward_process-checkpoint.ipynb").write_text("{}")
    (lesson.parent / "runs").mkdir()
    assert git(checkout.ROOT, "status", "--porcelain", "--untracked-files=all") == ""
    assert "edited" not in (checkout.ROOT / "notebooks" / "02_forward_process.ipynb").read_text(encoding="utf-8")


def test_lab_sets_the_kernels_threads(course, monkeypatch):
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    assert course.thread_env(None) == {"OMP_NUM_THREADS": str(course.DEFAULT_THREADS), "MKL_NUM_THREADS": "1"}
    assert course.thread_env(3) == {"OMP_NUM_THREADS": "3", "MKL_NUM_THREADS": "3"}
    monkeypatch.setenv("OMP_NUM_THREADS", "4")
    assert course.thread_env(None) == {}, "a thread count the learner set stays"
    assert course.take_threads(["--threads=2", "x"]) == (2, ["x"])
    for bad in (["--threads", "0"], ["--threads", "two"], ["--threads"]):
        with pytest.raises(SystemExit, match="--threads must be a whole number"):
            course.take_threads(bad)


def test_learner_lab_runs_without_nbgrader_menus_or_server_extensions():
    """nbgrader's lab extension and server extensions are switched off in the course's jupyter_config/, which
    `course.py lab` (and the browser tests) put first on JUPYTER_CONFIG_PATH; the instructor's nbgrader commands
    do not read it. Checked against what the installed nbgrader enables, when it is installed."""
    config = ROOT / "jupyter_config"
    page = json.loads((config / "labconfig" / "page_config.json").read_text(encoding="utf-8"))
    assert page["disabledExtensions"]["@jupyter/nbgrader"] is True
    server = json.loads((config / "jupyter_server_config.json").read_text(encoding="utf-8"))
    disabled = server["ServerApp"]["jpserver_extensions"]
    assert disabled and not any(disabled.values())
    enabled_by_nbgrader = Path(sys.prefix) / "etc" / "jupyter" / "jupyter_server_config.d" / "nbgrader.json"
    if enabled_by_nbgrader.exists():
        enabled = json.loads(enabled_by_nbgrader.read_text(encoding="utf-8"))["ServerApp"]["jpserver_extensions"]
        assert set(enabled) <= set(disabled), f"nbgrader enables {sorted(set(enabled) - set(disabled))} as well"
    nbgrader = importlib.util.find_spec("nbgrader")
    if nbgrader is not None:
        module = importlib.import_module("nbgrader")
        assert [p["dest"] for p in module._jupyter_labextension_paths()] == ["@jupyter/nbgrader"]


@pytest.mark.slow
def test_a_learner_jupyterlab_shows_no_nbgrader(tmp_path):
    """A real JupyterLab started with the course's jupyter_config/ (as `course.py lab` starts it) loads none of
    nbgrader's server extensions (no /formgrader, no "No nbgrader_config.py file found" warning) and tells the
    page to leave nbgrader's lab extension out."""
    import os
    import socket
    import time
    import urllib.error
    import urllib.request

    pytest.importorskip("nbgrader", reason="nbgrader is the instructor extra; without it there is nothing to hide")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = tmp_path / "jupyter.log"
    env = {**os.environ, "JUPYTER_CONFIG_PATH": str(ROOT / "jupyter_config")}
    with open(log, "w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root", f"--port={port}"]
            + ["--ServerApp.ip=127.0.0.1", "--IdentityProvider.token=t", f"--ServerApp.root_dir={tmp_path}"],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                with urllib.request.urlopen(f"{base}/lab?token=t", timeout=2) as response:
                    page = response.read().decode("utf-8")
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("JupyterLab did not answer within 60 s")
        config = json.loads(re.search(r'id="jupyter-config-data"[^>]*>\s*(\{.*?\})\s*</script>', page, re.S).group(1))
        assert "@jupyter/nbgrader" in config["disabledExtensions"]
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(f"{base}/formgrader?token=t", timeout=10)
        assert missing.value.code == 404
    finally:
        server.terminate()
        server.wait(timeout=20)
    text = log.read_text(encoding="utf-8")
    assert "nbgrader" not in text, text[-2000:]


def test_a_first_set_up_says_what_it_installs_and_shows_pips_progress(checkout, monkeypatch, capsys):
    """Set-up was 5.5 minutes of silence after "Installing …": now it says what it installs and for how long, brings
    pip up to one that draws an install progress bar, and runs pip without -q (pip and venv stubbed)."""
    course = checkout

    class Builder:
        def __init__(self, with_pip):
            assert with_pip

        def create(self, folder):
            course.venv_python().parent.mkdir(parents=True)
            course.venv_python().write_text("")

    ran = []
    monkeypatch.setattr(course.venv, "EnvBuilder", Builder)
    monkeypatch.setattr(
        course.subprocess, "run", lambda args, **kw: ran.append(args) or subprocess.CompletedProcess(args, 0)
    )
    assert course.ensure_environment(("test", "instructor")) == course.venv_python()
    said = capsys.readouterr().out
    assert said.index("Updating pip") < said.index("Installing ddpm-lessons") < said.index("ready")
    assert "PyTorch" in said and "nbgrader" in said and "5 minutes" in said
    update, install = ran
    assert update[-1] == course.PIP_WITH_INSTALL_PROGRESS and "pip>=25.2" == update[-1]
    assert "-q" not in install and install[install.index("--progress-bar") + 1] == "on"
    assert install[-1].endswith("[instructor,test]")
    ran.clear()
    assert course.ensure_environment(("test",)) == course.venv_python() and not ran, "an install that covers it stays"


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
    assert course.execute_notebooks(["--lang", "zh"]) == sorted((ROOT / "notebooks" / "zh").glob(course.LESSON_GLOB))
    assert course.main(["execute", "--timeout", "5"]) == 2
    assert capsys.readouterr().err == "error: execute takes notebooks and --lang, not --timeout\n"


def test_timings_refuses_in_one_line(course, capsys):
    with pytest.raises(SystemExit) as stopped:
        course.timings_arguments(["bogus"])
    assert stopped.value.code == 2
    assert (
        capsys.readouterr().err == "error: unknown part bogus; choose from arch, unit, slow, notebooks, clean-clone\n"
    )


def test_a_lesson_split_in_parts_is_found_by_its_part_number(course):
    """09a_… and 09b_… keep lesson 09's number with a suffix: "09a" names one part, and "9" names neither."""
    assert course.lesson_number("09a_scores_and_sdes.ipynb") == "09a"
    assert course.lesson_number("08_what_goes_wrong.ipynb") == "08"
    assert course.find_lesson("en", "09a").name == "09a_scores_and_sdes.ipynb"
    assert course.find_lesson("zh", "09b").name == "09b_ode_solvers_and_flows.ipynb"
    assert course.find_lesson("en", "07b").name == "07b_ddim_and_guidance.ipynb"
    assert course.find_lesson("en", "7") is None
    assert course.find_lesson("en", "9") is None
