"""The seed article's main() code path runs unchanged against the package (with a tiny stand-in U-Net)."""

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import optim

from ddpm_lessons import TimePositionalEncoding, denoising_step, forward_diffusion_sample, get_beta_schedule


class TinyStandIn(nn.Module):
    """Takes (x, t) like the seed's DiffusionUNet and returns a tensor shaped like x."""

    def __init__(self, channels=3, time_dim=16):
        super().__init__()
        self.time = TimePositionalEncoding(time_dim)
        self.proj = nn.Linear(time_dim, channels)
        self.conv = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x, timesteps):
        return self.conv(x) + self.proj(self.time(timesteps))[..., None, None]


@pytest.fixture
def one_thread():
    # 1,000 steps of a tiny network: at this size every extra thread only adds hand-over costs (3-4x the time on
    # a busy 2-core machine); the code under test is the same either way.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def test_seed_main_loop_runs_unchanged(one_thread):
    torch.manual_seed(0)
    device = torch.device("cpu")
    T = 1000
    IMAGE_SHAPE = (16, 16)
    BATCH_SIZE = 4
    transformed_image = torch.rand(3, *IMAGE_SHAPE) * 2 - 1

    # --- the seed's schedule set-up, verbatim ---
    betas = get_beta_schedule(T).to(device)
    alphas = (1.0 - betas).to(device)
    alphas_cumprod = torch.cumprod(alphas, dim=0).to(device)
    sqrt_alphas_cumprod = torch.sqrt(alphas_cumprod).to(device)
    sqrt_one_minus_alphas_cumprod = torch.sqrt(1 - alphas_cumprod).to(device)

    unet = TinyStandIn().to(device)
    optimizer = optim.Adam(unet.parameters(), lr=0.001)
    unet.train()
    for epoch in range(3):  # noqa: B007 — the seed article's loop, verbatim
        batch = torch.stack([transformed_image] * BATCH_SIZE)
        t = torch.randint(0, T, (BATCH_SIZE,), device=device).long()
        batch_noisy, noise = forward_diffusion_sample(batch, t, sqrt_alphas_cumprod, sqrt_one_minus_alphas_cumprod)
        assert batch_noisy.shape == (BATCH_SIZE, 3, *IMAGE_SHAPE) and noise.shape == batch_noisy.shape
        predicted_noise = unet(batch_noisy, t)
        optimizer.zero_grad()
        loss = F.mse_loss(noise, predicted_noise)
        loss.backward()
        optimizer.step()

    generated_images = []
    with torch.no_grad():
        unet.eval()
        img = torch.randn((1, 3) + IMAGE_SHAPE).to(device)
        for i in reversed(range(T)):
            t_tensor = torch.full((1,), i, dtype=torch.long, device=device)
            img = denoising_step(img, t_tensor, unet, alphas, alphas_cumprod, betas)
            if i % 100 == 0 or i == 0:
                img_display = torch.clamp((img[0] + 1) / 2, 0, 1).permute(1, 2, 0).cpu().numpy()
                generated_images.append((T - i, (img_display * 255).astype(np.uint8)))
    assert img.shape == (1, 3, *IMAGE_SHAPE)
    assert torch.isfinite(img).all()
    assert [step for step, _ in generated_images] == [100, 200, 300, 400, 500, 600, 700, 800, 900, 1000]
    assert generated_images[-1][1].shape == (*IMAGE_SHAPE, 3)


def test_seed_step_with_t0_batch_tensor_matches_seed_semantics():
    """The seed tests t[0] > 0; with one shared t per batch the per-element rule is identical."""
    betas = get_beta_schedule(10)
    alphas = 1 - betas
    alphas_cumprod = torch.cumprod(alphas, 0)
    x = torch.randn(2, 3, 4, 4)
    model = lambda x_t, t: torch.zeros_like(x_t)  # noqa: E731
    torch.manual_seed(3)
    ours = denoising_step(x, torch.full((2,), 4), model, alphas, alphas_cumprod, betas)
    torch.manual_seed(3)
    mean = (1.0 / torch.sqrt(alphas[4])) * x
    seed = mean + torch.sqrt(betas[4]) * torch.randn_like(x)
    assert torch.allclose(ours, seed)
