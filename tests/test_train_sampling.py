"""train(): exact resume, EMA, label dropout; sample(): DDPM, DDIM, guidance, trajectories; checkpoints."""

import pytest
import torch

from ddpm_lessons import DiffusionSchedule, q_sample
from ddpm_lessons.checkpoints import CheckpointError, load_checkpoint, save_checkpoint, sha256_file
from ddpm_lessons.data import toy_data
from ddpm_lessons.models import MLPDenoiser, ResidualUNet
from ddpm_lessons.sampling import ddim_timesteps, sample, sample_trajectory
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


def test_ddim_timesteps_start_at_last_index_and_end_at_x0():
    pairs = ddim_timesteps(1000, 50)
    assert pairs[0][0] == 999 and pairs[-1][1] == -1 and len(pairs) == 50
    assert all(a > b for a, b in pairs)
    assert ddim_timesteps(10, 10) == [(i, i - 1) for i in range(9, -1, -1)]
    with pytest.raises(ValueError, match="steps must be <= T = 10"):
        ddim_timesteps(10, 11)


def test_sample_ddpm_ddim_guidance_and_trajectory():
    model = tiny_unet(num_classes=10).eval()
    torch.nn.init.normal_(model.out[-1].weight, std=0.1)
    labels = torch.arange(4)
    a = sample(model, SCHEDULE, (4, 1, 8, 8), labels=labels, progress=False, seed=3)
    b = sample(model, SCHEDULE, (4, 1, 8, 8), labels=labels, progress=False, seed=3)
    assert torch.equal(a, b), "a seed reproduces the samples"
    x, traj = sample_trajectory(
        model, SCHEDULE, (4, 1, 8, 8), [49, -1], labels=labels, guidance=2.0, method="ddim", steps=10, progress=False
    )
    assert sorted(traj) == [-1, 49]
    assert torch.equal(traj[-1], x)
    plain = sample(model, SCHEDULE, (4, 1, 8, 8), labels=labels, guidance=2.0, method="ddim", steps=10, progress=False)
    assert isinstance(plain, torch.Tensor) and torch.equal(plain, x), "sample() always returns the samples alone"
    with pytest.raises(ValueError, match="trajectory_at has steps the chain never visits: \\[20\\]"):
        sample_trajectory(model, SCHEDULE, (4, 1, 8, 8), [20], labels=labels, method="ddim", steps=10, progress=False)
    with pytest.raises(ValueError, match="eta applies to method='ddim' only"):
        sample(model, SCHEDULE, (4, 1, 8, 8), labels=labels, eta=1.0, progress=False)
    with pytest.raises(ValueError, match="call model.eval\\(\\) before sampling"):
        sample(model.train(), SCHEDULE, (4, 1, 8, 8), labels=labels, progress=False)
    model.eval()
    x_full, traj_full = sample_trajectory(model, SCHEDULE, (4, 1, 8, 8), [49, 20, 0, -1], labels=labels, progress=False)
    assert sorted(traj_full) == [-1, 0, 20, 49]
    with pytest.raises(ValueError, match="guidance needs labels"):
        sample(model, SCHEDULE, (4, 1, 8, 8), guidance=1.0, progress=False)
    with pytest.raises(ValueError, match="method='ddim' needs steps"):
        sample(model, SCHEDULE, (4, 1, 8, 8), labels=labels, method="ddim", progress=False)


def test_sample_with_oracle_recovers_the_single_training_point():
    """With the exact eps of a one-point data set, DDPM sampling lands on that point (the photo demo's limit)."""
    s = DiffusionSchedule.linear(200, beta_start=5e-4, beta_end=0.1, dtype=torch.float64)
    target = torch.tensor([[0.3, -0.7]], dtype=torch.float64)

    class Oracle(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.dummy = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))

        def forward(self, x_t, t):
            return (x_t - s.sqrt_alphas_cumprod[t][:, None] * target) / s.sqrt_one_minus_alphas_cumprod[t][:, None]

    out = sample(Oracle().eval(), s, (5, 2), progress=False)
    assert torch.allclose(out, target.expand(5, 2), atol=1e-6)


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


def test_malformed_sidecar_is_a_checkpoint_error(tmp_path):
    path = tmp_path / "m.pt"
    save_checkpoint(path, {"a": torch.zeros(1)})
    (tmp_path / "m.pt.sha256").write_text("")
    with pytest.raises(CheckpointError, match="m.pt.sha256 is malformed"):
        load_checkpoint(path)


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


def test_failure_pieces_do_what_the_gallery_says():
    from ddpm_lessons.course.failures import TimeShifted, q_sample_noise_not_sqrt, sample_without_noise

    schedule = DiffusionSchedule.linear(1000)
    x0 = torch.randn(20_000, 1, generator=torch.Generator().manual_seed(0))
    noise = torch.randn(20_000, 1, generator=torch.Generator().manual_seed(1))
    t = int((schedule.alphas_cumprod - 0.5).abs().argmin())
    wrong = q_sample_noise_not_sqrt(schedule, x0, t, noise)
    right = q_sample(schedule, x0, t, noise)
    assert abs(right.var().item() - 1) < 0.05
    alpha_bar = schedule.alphas_cumprod[t].item()
    assert abs(wrong.var().item() - (alpha_bar + (1 - alpha_bar) ** 2)) < 0.05

    seen = []

    class Recorder(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.w = torch.nn.Parameter(torch.zeros(1))

        def forward(self, x, timesteps):
            seen.append(int(timesteps[0]))
            return torch.zeros_like(x)

    shifted = TimeShifted(Recorder(), 1).eval()
    shifted(torch.zeros(2, 1), torch.tensor([4, 4]))
    assert seen == [5]
    with pytest.raises(ValueError, match="shift must be a non-zero integer"):
        TimeShifted(Recorder(), 0)

    model = Recorder().eval()
    small = DiffusionSchedule.linear(10)
    plain = sample_without_noise(model, small, (4, 1), seed=3)
    x = torch.randn(4, 1, generator=torch.Generator().manual_seed(3))
    for i in reversed(range(10)):  # eps = 0: every step is x / sqrt(alpha_t), with no noise added
        x = x / small.alphas[i].sqrt()
    assert torch.allclose(plain, x, atol=1e-5)
    with pytest.raises(ValueError, match="training mode"):
        sample_without_noise(Recorder().train(), small, (4, 1))
