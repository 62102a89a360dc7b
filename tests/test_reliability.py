"""Nothing the user made is overwritten or lost, and user errors end in a clear message, not a traceback.

The command-line cases run ``python -m ddpm_lessons`` in a subprocess, as a user would; ``DDPM_LESSONS_DATA`` points
the shipped-file checks at a temporary data folder, so the real ``data/`` is never touched.
"""

import contextlib
import json
import os
import subprocess
import sys
import time

import pytest
import torch

from ddpm_lessons import DiffusionSchedule, train
from ddpm_lessons.checkpoints import load_checkpoint, sha256_file
from ddpm_lessons.models import MLPDenoiser

TINY = ["--data", "moons", "--model", "mlp", "--hidden", "16", "--layers", "1", "--T", "20", "--n-train", "256"]
TINY += ["--batch-size", "16", "--no-progress"]


def cli(*args, data_folder=None, timeout=240, wait=True):
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "OMP_NUM_THREADS": "1"}
    if data_folder is not None:
        env["DDPM_LESSONS_DATA"] = str(data_folder)
    command = [sys.executable, "-m", "ddpm_lessons", *map(str, args)]
    if not wait:
        return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout)


def assert_user_error(result, *words):
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    for word in words:
        assert word in result.stderr, result.stderr


def test_an_existing_checkpoint_is_not_replaced_without_overwrite(tmp_path, data_folder):
    out = tmp_path / "run.pt"
    assert cli("train", *TINY, "--steps", "3", "--out", out, data_folder=data_folder).returncode == 0
    before = sha256_file(out)
    refused = cli("train", *TINY, "--steps", "2", "--out", out, data_folder=data_folder)
    assert_user_error(refused, "already exists", "--resume", "--overwrite")
    assert sha256_file(out) == before
    replaced = cli("train", *TINY, "--steps", "2", "--out", out, "--overwrite", data_folder=data_folder)
    assert replaced.returncode == 0 and load_checkpoint(out)["step"] == 2


def test_resume_of_a_missing_file_says_it_starts_fresh(tmp_path, data_folder):
    result = cli("train", *TINY, "--steps", "2", "--out", tmp_path / "typo.pt", "--resume", data_folder=data_folder)
    assert result.returncode == 0
    assert "does not exist yet, so --resume starts a fresh run" in result.stderr


def test_shipped_files_change_only_through_an_explicit_release(tmp_path, data_folder):
    shipped = data_folder / "moons_ddpm.pt"
    before = sha256_file(shipped)
    assert_user_error(
        cli("train", *TINY, "--steps", "1", "--out", shipped, data_folder=data_folder), "is a shipped file"
    )
    assert_user_error(
        cli("train-classifier", "--steps", "1", "--out", shipped, data_folder=data_folder), "is a shipped file"
    )
    release = ["--out", tmp_path / "run.pt", "--release", shipped]
    assert_user_error(
        cli("train", *TINY, "--steps", "1", *release, data_folder=data_folder), "--replace-shipped", "original command"
    )
    assert sha256_file(shipped) == before
    replaced = cli("train", *TINY, "--steps", "1", *release, "--replace-shipped", data_folder=data_folder)
    assert replaced.returncode == 0, replaced.stderr
    assert "replacing the shipped moons_ddpm.pt" in replaced.stderr
    assert sha256_file(shipped) != before
    assert json.loads((data_folder / "MANIFEST.json").read_text())["moons_ddpm.pt"]["sha256"] == sha256_file(shipped)


@pytest.mark.parametrize("where", ["directory", "unwritable"])
def test_the_output_is_checked_before_training(tmp_path, data_folder, where):
    if where == "directory":
        out, words = tmp_path, "is a directory"
    else:
        if os.geteuid() == 0:
            out = "/proc/run.pt"  # even root cannot create files in /proc
        else:
            locked = tmp_path / "locked"
            locked.mkdir(mode=0o500)
            out = locked / "run.pt"
        words = "cannot write in"
    started = time.perf_counter()
    result = cli("train", *TINY, "--steps", "100000", "--out", out, data_folder=data_folder)
    assert_user_error(result, "--out", words)
    assert "step" not in result.stdout  # refused before a single step was trained
    assert time.perf_counter() - started < 120  # 100,000 steps would take far longer: it did not train first


def wait_until(run, condition, what: str, seconds: float = 600) -> None:
    """Poll ``condition`` while ``run`` (a CLI subprocess) is alive; fail naming ``what`` if it never holds, so a race
    test cannot pass without having raced. A loaded 2-core machine can take minutes to import torch and start."""
    deadline = time.time() + seconds
    while not condition() and time.time() < deadline:
        assert run.poll() is None, run.communicate()
        time.sleep(0.2)
    assert condition(), f"not within {seconds:.0f} s: {what} — the race would go untested"


def test_a_second_run_on_the_same_file_stops_and_names_the_holder(tmp_path, data_folder):
    out = tmp_path / "run.pt"
    first = cli("train", *TINY, "--steps", "1000000", "--out", out, data_folder=data_folder, wait=False)
    try:
        lock = tmp_path / "run.pt.lock"
        wait_until(first, lambda: lock.exists() and lock.read_text().startswith("pid"), "the first run took its lock")
        second = cli("train", *TINY, "--steps", "1", "--out", out, "--overwrite", data_folder=data_folder)
        assert_user_error(second, "another run is writing", f"pid {first.pid}")
    finally:
        first.kill()
        first.communicate()


def test_infinite_settings_are_refused_naming_the_flag(tmp_path, data_folder):
    assert_user_error(
        cli("train", *TINY, "--steps", "1", "--lr", "inf", "--out", tmp_path / "a.pt", data_folder=data_folder),
        "error: lr must be finite",
        "(--lr)",
    )
    assert_user_error(
        cli("train", *TINY, "--steps", "1", "--batch-size", "0", "--out", tmp_path / "b.pt", data_folder=data_folder),
        "error: batch_size must be",
        "(--batch-size)",
    )


def test_sample_refuses_what_it_cannot_do(tmp_path, data_folder):
    run = tmp_path / "run.pt"
    assert cli("train", *TINY, "--steps", "1", "--out", run, data_folder=data_folder).returncode == 0
    assert_user_error(cli("sample", "--checkpoint", run, "--out", tmp_path / "x.jpg"), "must end in .png")
    assert_user_error(
        cli("sample", "--checkpoint", run, "--out", tmp_path / "x.png", "--n", "0"), "argument --n: must be"
    )
    assert_user_error(
        cli("sample", "--checkpoint", run, "--out", tmp_path / "x.png", "--labels", "3"), "unconditional model"
    )


def test_a_schedule_whose_alpha_bar_underflows_is_refused_with_the_reason():
    with pytest.raises(ValueError, match="alpha_bar underflows to 0 in torch.float32 from step index"):
        DiffusionSchedule.linear(1000, 1e-4, 0.9)
    assert torch.isfinite(DiffusionSchedule.linear(200, 1e-4, 0.9, dtype=torch.float64).sqrt_recip_alphas_cumprod).all()
    with pytest.raises(ValueError, match="T must be an integer <= 100,000"):
        DiffusionSchedule.linear(10**7)


def test_a_schedule_of_another_length_than_the_models_is_caught():
    from ddpm_lessons import sample

    model = MLPDenoiser(hidden=8, num_layers=1, num_timesteps=20).eval()
    with pytest.raises(ValueError, match="num_timesteps = 20"):
        sample(model, DiffusionSchedule.linear(50), (4, 2), progress=False)
    with pytest.raises(ValueError, match="num_timesteps = 20"):
        train(model, torch.randn(16, 2), schedule=DiffusionSchedule.linear(50), steps=1, progress=False)


@pytest.mark.parametrize(
    "make, x, t, words",
    [
        ("unet", torch.zeros(2, 3, 16, 16), torch.tensor([5]), r"timesteps must have shape \(2,\)"),
        ("unet", torch.zeros(2, 3, 16, 16), torch.tensor([5.0, 6.0]), "integer indices"),
        ("resunet", torch.zeros(2, 1, 8, 8), torch.tensor([5]), "not broadcast"),
        ("resunet", torch.zeros(2, 1, 8, 8, dtype=torch.float64), torch.tensor([5, 6]), "convert one of them"),
        ("mlp", torch.zeros(2, 2), torch.tensor([0, 20]), r"must lie in \[0, 20\)"),
        ("mlp", torch.zeros(2, 2), torch.tensor([-1, 3]), "must be >= 0"),
        ("unet", torch.zeros(2, 3, 16, 16), torch.tensor([-1, 3]), "must be >= 0"),
        ("resunet", torch.zeros(2, 1, 8, 8), torch.tensor([3, -2]), r"must be >= 0 \(0-based step indices\), got -2"),
        ("mlp", torch.zeros(2, 2), [0, 1], "timesteps must be a tensor"),
        ("mlp", torch.zeros(2, 2, dtype=torch.long), torch.tensor([0, 1]), "floating-point"),
    ],
)
def test_models_check_their_inputs_like_the_functions_do(make, x, t, words):
    from ddpm_lessons.models import ResidualUNet
    from ddpm_lessons.unet import DiffusionUNet

    model = {
        "unet": lambda: DiffusionUNet(channel_sequence=(4, 8)),
        "resunet": lambda: ResidualUNet(base_channels=8, channel_mults=(1, 2)),
        "mlp": lambda: MLPDenoiser(hidden=8, num_layers=1, num_timesteps=20),
    }[make]()
    with pytest.raises((ValueError, TypeError), match=words):
        model(x, t)


@pytest.mark.parametrize(
    "build, words",
    [
        (lambda M: M.ResidualUNet(base_channels=0), "base_channels must be an integer >= 1"),
        (lambda M: M.ResidualUNet(channel_mults=(1, 1.5)), "channel_mults must be an integer"),
        (lambda M: M.ResidualUNet(channel_mults="12"), "channel_mults must be a non-empty sequence"),
        (lambda M: M.MLPDenoiser(hidden=-1), "hidden must be an integer >= 1"),
        (lambda M: M.MLPDenoiser(num_layers=-1), "num_layers must be an integer >= 0"),
        (lambda M: M.DiffusionUNet(channel_sequence=(8, 0)), "channel_sequence must be an integer >= 1"),
    ],
)
def test_bad_model_sizes_are_refused_by_name(build, words):
    from ddpm_lessons import models

    with pytest.raises((ValueError, TypeError), match=words):
        build(models)


def test_strings_are_not_booleans():
    from ddpm_lessons import sample

    model = MLPDenoiser(hidden=8, num_layers=1, num_timesteps=20).eval()
    with pytest.raises(TypeError, match="clip_denoised must be True or False"):
        sample(model, DiffusionSchedule.linear(20), (4, 2), clip_denoised="no", progress=False)


def test_sample_works_in_chunks_with_bounded_memory(tmp_path, data_folder):
    run = tmp_path / "run.pt"
    assert cli("train", *TINY, "--steps", "2", "--out", run, data_folder=data_folder).returncode == 0
    result = cli("sample", "--checkpoint", run, "--out", tmp_path / "x.png", "--n", "250", "--batch-size", "100")
    assert result.returncode == 0 and "wrote 250 samples" in result.stdout, result.stderr
    assert_user_error(
        cli("sample", "--checkpoint", run, "--out", tmp_path / "y.png", "--n", "10000000"), "argument --n: must be"
    )


def test_only_the_failure_gallery_evaluates_a_model_at_an_unseen_timestep():
    from ddpm_lessons.course.failures import TimeShifted

    model = MLPDenoiser(hidden=8, num_layers=1, num_timesteps=20).eval()
    x, t = torch.zeros(2, 2), torch.tensor([18, 19])
    with pytest.raises(ValueError, match=r"must lie in \[0, 20\)"):
        model(x, t + 1)
    assert torch.isfinite(TimeShifted(model, 1)(x, t)).all()  # t = 20 on purpose: lesson 08's off-by-one
    with pytest.raises(ValueError, match=r"must lie in \[0, 20\)"):
        model(x, t + 1)  # the permission ends with the call


def test_sample_and_evaluate_refuse_an_unverifiable_file_unless_told(tmp_path, data_folder):
    from ddpm_lessons.checkpoints import sidecar

    run = tmp_path / "run.pt"
    assert cli("train", *TINY, "--steps", "5", "--out", run, data_folder=data_folder).returncode == 0
    sidecar(run).unlink()
    for command in (
        ["sample", "--checkpoint", run, "--n", "4", "--out", tmp_path / "s.png", "--no-progress"],
        ["evaluate", run, "--quick", "--no-progress"],
    ):
        refused = cli(*command, data_folder=data_folder)
        assert refused.returncode != 0 and "Traceback" not in refused.stderr, refused.stderr
        assert "has no checksum" in refused.stderr and "--no-verify" in refused.stderr, refused.stderr
        trusted = cli(*command, "--no-verify", data_folder=data_folder)
        assert trusted.returncode in (0, 1), trusted.stderr  # evaluate exits 1 when a 5-step run misses its bar
        assert "without verifying it" in trusted.stderr, trusted.stderr
    assert_user_error(cli("evaluate", run, "--record", "--no-verify", data_folder=data_folder), "drop --no-verify")


def test_a_run_killed_by_sigkill_resumes_to_the_same_weights(tmp_path, data_folder):
    """SIGKILL (no handler runs) while a run writes checkpoints every few steps; --resume then ends bit-identical
    to an uninterrupted run of the same seed."""
    steps = ["--steps", "400", "--checkpoint-every", "20", "--seed", "3"]
    whole, killed = tmp_path / "whole.pt", tmp_path / "killed.pt"
    assert cli("train", *TINY, *steps, "--out", whole, data_folder=data_folder).returncode == 0

    run = cli("train", *TINY, *steps, "--out", killed, data_folder=data_folder, wait=False)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and run.poll() is None:
        with contextlib.suppress(Exception):  # a checkpoint being replaced right now is read at the next look
            if load_checkpoint(killed, verify=False).get("step", 0) >= 40:
                break
        time.sleep(0.05)
    if run.poll() is not None:
        pytest.skip("the run finished before it could be killed (a very fast machine)")
    run.kill()  # SIGKILL
    run.communicate()
    on_disk = load_checkpoint(killed)  # what the kill left verifies
    assert 40 <= on_disk["step"] < 400

    resumed = cli("train", *TINY, *steps, "--out", killed, "--resume", data_folder=data_folder)
    assert resumed.returncode == 0, resumed.stderr
    a, b = load_checkpoint(whole), load_checkpoint(killed)
    assert a["step"] == b["step"] == 400
    for key in ("model", "ema"):
        assert a[key].keys() == b[key].keys()
        for name in a[key]:
            assert torch.equal(a[key][name], b[key][name]), (key, name)
    assert not list(tmp_path.glob(".killed.pt.*.tmp")), "no temporary file of the killed save is left after resuming"


def test_train_classifier_cannot_replace_a_running_trainers_checkpoint(tmp_path, data_folder):
    """Issue 25: `train-classifier --overwrite --out f.pt` while `train --out f.pt` runs used to replace the DDPM
    checkpoint; it now meets the trainer's lock before its first byte."""
    out = tmp_path / "run.pt"
    first = cli("train", *TINY, "--steps", "1000000", "--checkpoint-every", "1", "--out", out, wait=False,
                data_folder=data_folder)  # fmt: skip
    try:
        lock = tmp_path / "run.pt.lock"
        wait_until(
            first,
            lambda: out.exists() and lock.exists() and lock.read_text().startswith("pid"),
            "the trainer wrote its first checkpoint",
        )
        second = cli("train-classifier", "--steps", "100000", "--out", out, "--overwrite", "--no-progress",
                     data_folder=data_folder)  # fmt: skip
        assert_user_error(second, "another run is writing", f"pid {first.pid}", "(--out)")
        assert load_checkpoint(out)["kind"] == "ddpm"
    finally:
        first.kill()
        first.communicate()
    resumed = cli("train", *TINY, "--steps", "1", "--out", out, "--resume", data_folder=data_folder)
    assert resumed.returncode == 0, resumed.stderr  # the killed trainer's lock is taken over, its run resumable
    assert "took over the lock" in resumed.stderr and f"pid {first.pid}" in resumed.stderr
    assert not lock.exists(), "the lock is removed when the run ends"
