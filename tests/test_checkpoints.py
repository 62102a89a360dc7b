"""Checkpoints (ddpm_lessons.checkpoints, and load_trained on top of it): integrity (sha256 sidecars and the
manifest), weights-only loading, atomic saves that a kill cannot tear apart, the run lock."""

import os

import pytest
import torch
from tiny_runs import run

from ddpm_lessons import DiffusionSchedule
from ddpm_lessons.checkpoints import (
    CheckpointError,
    RunLockedError,
    exclusive_run,
    load_checkpoint,
    save_checkpoint,
    sha256_file,
)
from ddpm_lessons.models import MLPDenoiser
from ddpm_lessons.train import load_trained, train


def test_checkpoint_integrity_errors(tmp_path):
    state = run(tmp_path, 3, name="good.pt")
    path = tmp_path / "good.pt"
    digest = sha256_file(path)
    model, schedule, payload = load_trained(path, expected_sha256=digest)
    assert payload["step"] == state.step and len(schedule) == 50
    truncated = tmp_path / "truncated.pt"
    truncated.write_bytes(path.read_bytes()[:200])
    before = truncated.read_bytes()
    with pytest.raises(CheckpointError, match="truncated.pt has no checksum to verify"):
        load_trained(truncated)
    with pytest.warns(UserWarning, match="without verifying"):
        with pytest.raises(CheckpointError, match="truncated.pt could not be read safely"):
            load_trained(truncated, verify=False)
    assert truncated.read_bytes() == before, "a failed load changes nothing on disk"
    with pytest.raises(CheckpointError, match="good.pt fails its sha256 check"):
        load_checkpoint(path, expected_sha256="0" * 64)
    corrupted = tmp_path / "corrupted.pt"
    data = bytearray(path.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 64] = bytes(64)
    corrupted.write_bytes(bytes(data))
    (tmp_path / "corrupted.pt.sha256").write_text(f"{digest}  corrupted.pt\n")
    with pytest.raises(CheckpointError, match="corrupted.pt fails its sha256 check"):
        load_trained(corrupted)
    payload = load_checkpoint(path)
    payload["model_config"]["base_channels"] = 16
    save_checkpoint(tmp_path / "mismatch.pt", payload)
    with pytest.raises(CheckpointError, match="mismatch.pt does not match its model configuration"):
        load_trained(tmp_path / "mismatch.pt")


def test_loading_refuses_arbitrary_objects(tmp_path):
    class Evil:
        def __reduce__(self):
            return (print, ("unpickled!",))

    path = tmp_path / "evil.pt"
    torch.save({"kind": "ddpm", "x": Evil()}, path)
    with pytest.raises(CheckpointError, match="evil.pt has no checksum to verify"):
        load_checkpoint(path)
    with pytest.warns(UserWarning, match="without verifying"), pytest.raises(CheckpointError, match="read safely"):
        load_checkpoint(path, verify=False)


def test_atomic_save_leaves_no_partial_file(tmp_path, monkeypatch):
    target = tmp_path / "out.pt"
    save_checkpoint(target, {"a": torch.zeros(2)})
    before = target.read_bytes()

    def broken_save(obj, f):
        with open(f, "wb") as handle:
            handle.write(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        save_checkpoint(target, {"a": torch.ones(2)})
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.pt", "out.pt.sha256"], "the temporary file is removed"


def test_malformed_sidecar_is_a_checkpoint_error(tmp_path):
    path = tmp_path / "m.pt"
    save_checkpoint(path, {"a": torch.zeros(1)})
    (tmp_path / "m.pt.sha256").write_text("")
    with pytest.raises(CheckpointError, match="m.pt.sha256 is malformed"):
        load_checkpoint(path)


def test_every_load_is_verified(tmp_path, data_folder, monkeypatch):
    from ddpm_lessons import checkpoints
    from ddpm_lessons.checkpoints import sidecar

    path = tmp_path / "run.pt"
    save_checkpoint(path, {"kind": "test", "w": torch.ones(2)})
    digest = sha256_file(path)
    assert load_checkpoint(path, expected_sha256=digest.upper())["kind"] == "test"  # case does not matter
    link = tmp_path / "link.pt"
    link.symlink_to(path)
    assert load_checkpoint(link)["kind"] == "test"  # the target's sidecar is the one checked
    path.write_bytes(path.read_bytes() + b"x")
    with pytest.raises(CheckpointError, match="link.pt fails its sha256 check"):
        load_checkpoint(link)
    sidecar(path).unlink()
    with pytest.raises(CheckpointError, match="run.pt has no checksum to verify"):
        load_checkpoint(path)
    sidecar(path).mkdir()
    with pytest.raises(CheckpointError, match="is not a file"):
        load_checkpoint(path)
    with pytest.raises(CheckpointError, match="is a directory, not a checkpoint file"):
        load_checkpoint(tmp_path)
    with pytest.raises(CheckpointError, match="not a regular file"):
        load_checkpoint("/dev/zero")

    # A shipped file is checked against the manifest, whatever its sidecar says: deleting the sidecar or writing
    # another model there with a fresh sidecar does not get past it.
    monkeypatch.setattr(checkpoints, "MANIFEST", data_folder / "MANIFEST.json")
    shipped = data_folder / "moons_ddpm.pt"
    assert load_checkpoint(shipped)["kind"] == "other"
    sidecar(shipped).unlink()
    assert load_checkpoint(shipped)["kind"] == "other"
    save_checkpoint(shipped, {"kind": "ddpm", "w": torch.zeros(2)})
    with pytest.raises(CheckpointError, match="moons_ddpm.pt fails its sha256 check against MANIFEST.json"):
        load_checkpoint(shipped)


@pytest.mark.parametrize("killed_at, step_on_disk", [(1, 1), (2, 1), (3, 2)])
def test_a_killed_save_never_separates_a_checkpoint_from_its_digest(tmp_path, monkeypatch, killed_at, step_on_disk):
    """save_checkpoint makes three renames (sidecar with both digests, checkpoint, sidecar with the new digest):
    interrupted at any of them, the checkpoint on disk, old or new, still verifies."""
    path = tmp_path / "run.pt"
    save_checkpoint(path, {"step": 1})
    real_replace, calls = os.replace, []

    def replace(src, dst):
        calls.append(dst)
        if len(calls) == killed_at:
            raise KeyboardInterrupt  # as a SIGINT at that moment would
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(KeyboardInterrupt):
        save_checkpoint(path, {"step": 2})
    monkeypatch.undo()
    assert load_checkpoint(path)["step"] == step_on_disk


def test_the_lock_is_released_and_stale_temporaries_are_removed(tmp_path):
    out = tmp_path / "run.pt"
    stale = tmp_path / ".run.pt.abc123.tmp"
    stale.write_bytes(b"half a checkpoint")
    other = tmp_path / ".other.pt.abc123.tmp"
    other.write_bytes(b"another file's write")
    with exclusive_run(out):
        assert not stale.exists() and other.exists()
        with pytest.raises(RunLockedError, match="another run is writing"):
            with exclusive_run(out):
                pass
    with exclusive_run(out):  # released when the first run ended
        pass


def test_a_checkpoints_config_is_sized_before_anything_is_allocated(tmp_path):

    torch.manual_seed(0)
    state = train(
        MLPDenoiser(hidden=8, num_layers=1, num_timesteps=20),
        torch.randn(32, 2),
        schedule=DiffusionSchedule.linear(20),
        steps=1,
        batch_size=8,
        progress=False,
        checkpoint_path=tmp_path / "run.pt",
    )
    payload = load_checkpoint(tmp_path / "run.pt")
    payload["model_config"]["hidden"] = 200_000  # 160 GB of weights for a file of a few KB
    save_checkpoint(tmp_path / "huge.pt", payload)
    with pytest.raises(
        CheckpointError,
        match=r"huge.pt does not match its model configuration: the configuration asks for [\d,]+ parameters",
    ):
        load_trained(tmp_path / "huge.pt")
    payload = load_checkpoint(tmp_path / "run.pt")
    next(iter(payload["ema"].values())).fill_(float("nan"))
    save_checkpoint(tmp_path / "nan.pt", payload)
    with pytest.raises(CheckpointError, match="nan.pt holds NaN or infinite weights"):
        load_trained(tmp_path / "nan.pt")
    assert state.step == 1
