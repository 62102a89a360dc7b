"""train(): exact resume, EMA, label dropout, argument errors, the forward process it records."""

import pytest
import torch

from ddpm_lessons import DiffusionSchedule
from ddpm_lessons.checkpoints import CheckpointError
from ddpm_lessons.data import toy_data
from ddpm_lessons.models import MLPDenoiser, ResidualUNet
from ddpm_lessons.train import train

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


def test_resume_is_exact(tmp_path):
    full = run(tmp_path, 10, name="full.pt")
    first = run(tmp_path, 10, stop_after=4, name="split.pt")
    assert first.step == 4
    resumed = run(tmp_path, 10, resume=True, name="split.pt")
    assert resumed.step == 10
    assert resumed.history["loss"] == full.history["loss"], "same losses, step for step"
    for a, b in zip(full.model.state_dict().values(), resumed.model.state_dict().values()):
        assert torch.equal(a, b)
    for a, b in zip(full.ema.state_dict().values(), resumed.ema.state_dict().values()):
        assert torch.equal(a, b)
    assert resumed.history["bucket_count"] == full.history["bucket_count"]


def test_resume_refuses_other_model_or_settings(tmp_path):
    run(tmp_path, 3, name="a.pt")
    x, labels = glyph_like()
    other = ResidualUNet(in_channels=1, base_channels=16, channel_mults=(1, 2), num_classes=10)
    with pytest.raises(CheckpointError, match="a.pt belongs to a different model"):
        train(
            other,
            (x, labels),
            schedule=SCHEDULE,
            steps=6,
            batch_size=8,
            lr=1e-3,
            label_dropout=0.2,
            seed=5,
            device="cpu",
            checkpoint_path=tmp_path / "a.pt",
            resume=True,
            progress=False,
        )
    with pytest.raises(CheckpointError, match="other settings.*'lr'"):
        train(
            tiny_unet(num_classes=10),
            (x, labels),
            schedule=SCHEDULE,
            steps=6,
            batch_size=8,
            lr=5e-3,
            label_dropout=0.2,
            seed=5,
            device="cpu",
            checkpoint_path=tmp_path / "a.pt",
            resume=True,
            progress=False,
        )


def test_training_reduces_loss_and_ema_differs():
    torch.manual_seed(0)
    data = torch.randn(512, 2) * 0.1 + torch.tensor([0.5, -0.5])
    state = train(
        MLPDenoiser(hidden=32, num_layers=1, num_timesteps=50),
        data,
        schedule=SCHEDULE,
        steps=150,
        batch_size=64,
        lr=3e-3,
        ema_decay=0.9,
        seed=0,
        device="cpu",
        progress=False,
    )
    first, last = sum(state.history["loss"][:20]) / 20, sum(state.history["loss"][-20:]) / 20
    assert last < 0.7 * first
    assert sum(state.history["bucket_count"]) == 150 * 64
    assert not torch.equal(next(state.ema.parameters()), next(state.model.parameters()))


def test_resume_refuses_another_schedule(tmp_path):
    run(tmp_path, 3, name="s.pt")
    x, labels = glyph_like()
    other = DiffusionSchedule.cosine(50)
    with pytest.raises(CheckpointError, match="s.pt was trained with another schedule"):
        train(
            tiny_unet(num_classes=10),
            (x, labels),
            schedule=other,
            steps=6,
            batch_size=8,
            lr=1e-3,
            label_dropout=0.2,
            seed=5,
            device="cpu",
            checkpoint_path=tmp_path / "s.pt",
            resume=True,
            progress=False,
        )


@pytest.mark.parametrize(
    "kwargs, words",
    [
        ({"steps": 10.5}, "steps must be an integer"),
        ({"batch_size": 0}, "batch_size must be an integer >= 1"),
        ({"warmup": -1}, "warmup must be an integer >= 0"),
        ({"lr": -1e-3}, "lr must be a positive number"),
        ({"label_dropout": 1.5}, "label_dropout must lie in \\[0, 1\\]"),
        ({"grad_clip": 0}, "grad_clip must be None"),
    ],
)
def test_train_argument_errors(kwargs, words):
    options = {"schedule": SCHEDULE, "steps": 2, "batch_size": 4, "device": "cpu", "progress": False, **kwargs}
    with pytest.raises((ValueError, TypeError), match=words):
        train(MLPDenoiser(hidden=8, num_layers=1, num_timesteps=50), torch.randn(16, 2), **options)


def test_train_accepts_a_forward_process_and_records_its_name():
    from ddpm_lessons.course.failures import q_sample_noise_not_sqrt

    data = toy_data("moons", 512, seed=0)
    schedule = DiffusionSchedule.linear(50)
    torch.manual_seed(0)
    state = train(
        MLPDenoiser(hidden=16, num_layers=1, num_timesteps=50),
        data,
        schedule=schedule,
        steps=3,
        batch_size=32,
        seed=0,
        device="cpu",
        progress=False,
        forward=q_sample_noise_not_sqrt,
    )
    assert state.config["forward"] == "q_sample_noise_not_sqrt"
    with pytest.raises(TypeError, match="forward must be a function"):
        train(
            MLPDenoiser(hidden=16, num_layers=1, num_timesteps=50),
            data,
            schedule=schedule,
            steps=1,
            device="cpu",
            progress=False,
            forward="q_sample",
        )
