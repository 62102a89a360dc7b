"""Checkpoints: integrity (sha256 sidecars), weights-only loading, atomic saves."""

import pytest
import torch

from ddpm_lessons import DiffusionSchedule
from ddpm_lessons.checkpoints import CheckpointError, load_checkpoint, save_checkpoint, sha256_file
from ddpm_lessons.models import ResidualUNet
from ddpm_lessons.train import load_trained, train

SCHEDULE = DiffusionSchedule.linear(50, beta_start=1e-3, beta_end=0.2)


def tiny_unet(seed=0, num_classes=None):
    torch.manual_seed(seed)
    return ResidualUNet(in_channels=1, base_channels=8, channel_mults=(1, 2), num_classes=num_classes, dropout=0.1)


def glyph_like(n=64):
    g = torch.Generator().manual_seed(3)
    return torch.rand(n, 1, 8, 8, generator=g) * 2 - 1, torch.randint(0, 10, (n,), generator=g)


def run(tmp_path, steps, stop_after=None, resume=False, name="ckpt.pt"):
    x, labels = glyph_like()
    return train(
        tiny_unet(num_classes=10),
        (x, labels),
        schedule=SCHEDULE,
        steps=steps,
        batch_size=8,
        lr=1e-3,
        label_dropout=0.2,
        seed=5,
        device="cpu",
        checkpoint_path=tmp_path / name,
        checkpoint_every=3,
        resume=resume,
        stop_after=stop_after,
        progress=False,
    )


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
