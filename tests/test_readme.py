"""README.md's "Train on your own data" example, run as written (with fewer steps) on the data it makes itself, and
its "Train on your own images" commands, run on a folder of images the test writes (with fewer steps)."""

import os
import re
import shlex
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


# ------------------------------------------------------------------------------------ "Train on your own images"
HEADINGS = {"README.md": "## Train on your own images", "README.zh-CN.md": "## 用自己的图像训练"}


def own_images_blocks(name: str) -> list[tuple[str, str]]:
    """The ``(language, code)`` blocks of the README's "Train on your own images" section."""
    section = (ROOT / name).read_text(encoding="utf-8").split(HEADINGS[name], 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```(python|bash)\n(.*?)```", section, re.S)


def own_images_commands() -> list[list[str]]:
    """The section's shell commands, continuation lines joined, as argument lists."""
    (bash,) = [code for language, code in own_images_blocks("README.md") if language == "bash"]
    return [shlex.split(line) for line in bash.replace("\\\n", " ").splitlines() if line.strip()]


def test_the_own_images_example_is_the_same_code_in_both_readmes():
    blocks = own_images_blocks("README.md")
    assert [language for language, _ in blocks] == ["python", "bash"]
    assert blocks == own_images_blocks("README.zh-CN.md")
    train, sample = own_images_commands()
    assert train[:4] == ["python", "-m", "ddpm_lessons", "train"] and sample[3] == "sample"
    assert train[train.index("--data") + 1] == "folder" and "--steps" in train


def test_the_own_images_maker_writes_200_images_of_mixed_sizes(tmp_path):
    from PIL import Image

    (code,) = [code for language, code in own_images_blocks("README.md") if language == "python"]
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    files = sorted((tmp_path / "my_images").rglob("*.png"))
    assert len(files) == 200 and {f.parent.name for f in files} == {"discs", "squares"}
    sizes, modes = set(), set()
    for f in files:
        with Image.open(f) as image:
            sizes.add(image.size)
            modes.add((f.parent.name, image.mode))
    assert len(sizes) > 1 and modes == {("discs", "RGB"), ("squares", "L")}


def write_own_images(root: Path) -> None:
    """200 small PNGs in two class folders: RGB discs and grey squares of mixed sizes, and one file that is not an
    image."""
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(0)
    for kind in ("discs", "squares"):
        (root / kind).mkdir(parents=True)
        for i in range(100):
            h, w = rng.integers(20, 48, size=2)
            yy, xx = np.mgrid[:h, :w]
            cy, cx, r = h / 2, w / 2, min(h, w) / 4
            if kind == "discs":
                inside = (yy - cy) ** 2 + (xx - cx) ** 2 < r**2
                pixels = inside[..., None] * rng.integers(60, 256, size=3)
            else:
                pixels = ((abs(yy - cy) < r) & (abs(xx - cx) < r)) * rng.integers(120, 256)
            Image.fromarray(pixels.astype(np.uint8)).save(root / kind / f"{i:03d}.png")
    (root / "squares" / "notes.txt").write_text("not an image", encoding="utf-8")


@pytest.mark.slow  # about 20 s: two CLI processes, 10 training steps and 40 DDIM-5 samples at 32×32
def test_the_own_images_commands_train_and_sample(tmp_path):
    write_own_images(tmp_path / "my_images")
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONPATH": str(ROOT), "CUDA_VISIBLE_DEVICES": ""}
    outputs = []
    for command in own_images_commands():
        command = [sys.executable, *command[1:], "--no-progress"]
        # The README's path, smoke-sized: 10 training steps, 5 DDIM steps.
        command[command.index("--steps") + 1] = "10" if command[3] == "train" else "5"
        done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr
        outputs.append(done)
    assert "warning: 1 file(s)" in outputs[0].stderr and "squares/notes.txt" in outputs[0].stderr
    assert "200 images, 3 channel(s); classes 0 = discs, 1 = squares" in outputs[0].stdout
    payload = torch.load(tmp_path / "runs" / "my_images.pt", weights_only=True)
    assert payload["step"] == 10 and payload["model_config"]["num_classes"] == 2
    assert payload["train_config"]["data_shape"] == [3, 32, 32] and payload["train_config"]["label_dropout"] == 0.1
    data = payload["train_config"]["data"]
    assert data["root"] == str((tmp_path / "my_images").resolve()) and data["classes"] == ["discs", "squares"]
    assert (tmp_path / "runs" / "my_images.pt.sha256").is_file()
    assert (tmp_path / "runs" / "my_images.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "wrote 40 samples" in outputs[1].stdout
