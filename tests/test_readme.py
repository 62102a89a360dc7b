"""README.md's "Train on your own data" example, run as written (with fewer steps) on the data it makes itself."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]


def readme_example(name: str) -> str:
    text = (ROOT / name).read_text(encoding="utf-8")
    section = (
        text.split("## Train on your own data", 1)[1] if "zh" not in name else text.split("## 用自己的数据训练", 1)[1]
    )
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_the_own_data_example_is_the_same_code_in_both_readmes():
    assert readme_example("README.md") == readme_example("README.zh-CN.md")


@pytest.mark.slow  # about 13 s: a subprocess that imports torch, trains 30 steps and samples 100 digits
def test_the_own_data_example_trains_samples_and_saves(tmp_path):
    code = readme_example("README.md")
    assert "STEPS = 1000" in code
    code = code.replace("STEPS = 1000", "STEPS = 30")  # the same path, a smoke-sized run
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONPATH": str(ROOT), "CUDA_VISIBLE_DEVICES": ""}
    done = subprocess.run(
        [sys.executable, "-W", "error::UserWarning", "-c", code],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    assert "range before: 0..16" in done.stdout and "30 steps" in done.stdout
    assert (tmp_path / "digits.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    payload = torch.load(tmp_path / "digits.pt", weights_only=True)
    assert payload["step"] == 30 and payload["model_config"]["num_classes"] == 10
    assert payload["train_config"]["lr"] == 2e-3 and payload["train_config"]["data_shape"] == [1, 8, 8]
