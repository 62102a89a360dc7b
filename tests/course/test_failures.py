"""The failure gallery of lesson 08: each deliberate bug does what the gallery says."""

import pytest
import torch

from ddpm_lessons import DiffusionSchedule, q_sample
from ddpm_lessons.models import ResidualUNet
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
