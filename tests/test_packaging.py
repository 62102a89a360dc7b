"""environment.yml and pyproject.toml describe the same dependency set; the package exposes the seed's API."""

import pathlib
import re
import sys

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
