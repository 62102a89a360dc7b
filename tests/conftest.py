import pytest
import torch


@pytest.fixture
def linear64():
    """The DDPM paper's schedule (linear, T = 1000) in float64, for reference values."""
    from ddpm_lessons import DiffusionSchedule

    return DiffusionSchedule.linear(1000, dtype=torch.float64)


@pytest.fixture
def cosine64():
    from ddpm_lessons import DiffusionSchedule

    return DiffusionSchedule.cosine(1000, dtype=torch.float64)


@pytest.fixture
def gen():
    return torch.Generator().manual_seed(0)


@pytest.fixture
def data_folder(tmp_path):
    """A stand-in for data/: one 'shipped' file listed in its own MANIFEST.json (checkpoint and CLI tests)."""
    import json

    from ddpm_lessons.checkpoints import save_checkpoint, sha256_file

    folder = tmp_path / "data"
    folder.mkdir()
    shipped = folder / "moons_ddpm.pt"
    save_checkpoint(shipped, {"kind": "other", "weights": torch.zeros(3)})
    entry = {"sha256": sha256_file(shipped), "bytes": shipped.stat().st_size, "command": "the original command"}
    (folder / "MANIFEST.json").write_text(json.dumps({"moons_ddpm.pt": entry}), encoding="utf-8")
    return folder
