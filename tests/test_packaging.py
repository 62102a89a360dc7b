"""environment.yml and pyproject.toml describe the same dependency set; the package exposes the seed's API."""

import pathlib
import re
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = pathlib.Path(__file__).resolve().parents[1]
CONDA_TO_PYPI = {"pytorch": "torch", "playwright-python": "playwright"}

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    tomllib = pytest.importorskip("tomli")


def pyproject_requirements():
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return [Requirement(line) for line in data["project"]["dependencies"]]


def environment_file():
    """Parse the small subset of YAML that environment.yml uses: top-level keys and '- item' lists."""
    conda, pip, section = [], [], None
    for raw in (ROOT / "environment.yml").read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].rstrip()
        if not line:
            continue
        if not line.startswith(" "):
            section = line.split(":", 1)[0]
            continue
        item = line.strip()
        if section != "dependencies" or not item.startswith("- "):
            continue
        item = item[2:].strip()
        if item == "pip:":
            section = "dependencies"
            continue
        (pip if raw.startswith("      ") else conda).append(item)
    return conda, pip


def test_environment_names_the_same_dependency_set():
    conda, pip = environment_file()
    conda_reqs = {}
    for item in conda:
        name, spec = re.match(r"([A-Za-z0-9_.-]+)\s*(.*)", item).groups()
        conda_reqs[CONDA_TO_PYPI.get(name, name)] = spec
    conda_reqs.pop("python")
    conda_reqs.pop("pip")
    pyproject = {}
    for req in pyproject_requirements():
        pyproject.setdefault(req.name, []).append(req)
    assert set(conda_reqs) == set(pyproject), "environment.yml and pyproject.toml must name the same packages"
    for name, reqs in pyproject.items():
        # Where pyproject has platform-specific floors, conda-forge gets the portable one (the lowest).
        floors = sorted(str(r.specifier) for r in reqs)
        assert conda_reqs[name] in floors, f"{name}: environment.yml says {conda_reqs[name]!r}, pyproject {floors}"
    assert pip == ["--editable ."], "environment.yml installs this package in editable mode"


def test_pyproject_resolves_to_the_course_torch_pair_here():
    """On Linux x86_64 the floors are the torch/torchvision pair that pip resolves on the course machines."""
    env = {"sys_platform": "linux", "platform_machine": "x86_64"}
    active = {r.name: r.specifier for r in pyproject_requirements() if r.marker is None or r.marker.evaluate(env)}
    assert "2.14.1" in active["torch"] and "2.14.0" not in active["torch"]
    assert "0.29.1" in active["torchvision"] and "0.29.0" not in active["torchvision"]
    assert "3.0" in active["torch"], "ranges, not exact pins: newer releases stay allowed"


def test_public_api_has_the_seed_names_and_docstrings():
    import ddpm_lessons

    for name in ("get_beta_schedule", "forward_diffusion_sample", "denoising_step", "TimePositionalEncoding"):
        assert hasattr(ddpm_lessons, name), name
    assert "0-based" in ddpm_lessons.__doc__
    for name in ddpm_lessons.__all__:
        doc = getattr(ddpm_lessons, name).__doc__
        assert doc and len(doc.strip()) > 40, f"{name} needs a docstring naming its equation and shapes"


@pytest.mark.slow
def test_a_wheel_installed_outside_the_repository_finds_the_checkpoints_only_when_told(tmp_path):
    """``pip install .`` (not editable) into a fresh venv: the package imports from the venv, a shipped checkpoint
    is refused with a message naming where it looked and the variable to set, and loads once DDPM_LESSONS_DATA
    points at the checkout's data/ folder."""
    import os
    import shutil
    import subprocess
    import sysconfig
    import zipfile

    setuptools = pytest.importorskip("setuptools")
    if int(setuptools.__version__.split(".")[0]) < 64:
        pytest.skip(
            f"building the wheel needs setuptools >= 64 (pyproject's build-system), found {setuptools.__version__}"
        )
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "ddpm_lessons", source / "ddpm_lessons", ignore=shutil.ignore_patterns("__pycache__"))
    quiet = {"capture_output": True, "text": True, "timeout": 300}
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path / "dist"),
            str(source),
        ],
        **quiet,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = (tmp_path / "dist").glob("ddpm_lessons-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for module in ("ddpm_lessons/config.py", "ddpm_lessons/data/toy.py", "ddpm_lessons/course/exercises/lesson00.py"):
        assert module in names
    assert not any(name.startswith(("tests/", "notebooks/", "data/")) for name in names)

    # A fresh venv whose only view of the course venv is its site-packages (torch & co.): no editable finder.
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, **quiet)
    python = venv / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], check=True, **quiet
    ).stdout.strip()
    (Path(site) / "course_packages.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", str(wheel)],
        **quiet,
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr

    probe = (
        "import ddpm_lessons, sys\n"
        "from ddpm_lessons import load_trained, shipped_path\n"
        "print(ddpm_lessons.__file__)\n"
        "model, schedule, _ = load_trained(shipped_path('moons_ddpm.pt'))\n"
        "print('loaded', type(model).__name__, len(schedule))\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "DDPM_LESSONS_DATA")}
    outside = subprocess.run([str(python), "-c", probe], cwd=tmp_path, env=env, **quiet)
    assert outside.returncode != 0
    assert outside.stdout.startswith(str(venv)), outside.stdout  # the wheel's copy, not the checkout's
    assert "DDPM_LESSONS_DATA is not set" in outside.stderr and "MANIFEST.json" in outside.stderr, outside.stderr
    info = subprocess.run([str(python), "-m", "ddpm_lessons", "info"], cwd=tmp_path, env=env, **quiet)
    assert info.returncode == 1 and "DDPM_LESSONS_DATA" in info.stdout

    pointed = subprocess.run(
        [str(python), "-c", probe], cwd=tmp_path, env={**env, "DDPM_LESSONS_DATA": str(ROOT / "data")}, **quiet
    )
    assert pointed.returncode == 0, pointed.stderr
    assert "loaded MLPDenoiser 1000" in pointed.stdout
