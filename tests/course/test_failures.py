"""The failure gallery of lesson 08: each deliberate bug does what the gallery says."""

import pytest
import torch

from ddpm_lessons import DiffusionSchedule, q_sample


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
