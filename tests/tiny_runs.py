"""The tiny training run that the train, checkpoint and sampling tests share: a ResidualUNet of 8 base channels
on 64 random 8×8 "glyphs" with labels, T = 50, checkpointed every 3 steps. Seeded: the same call gives the same run."""

import torch

from ddpm_lessons import DiffusionSchedule
from ddpm_lessons.models import ResidualUNet
from ddpm_lessons.train import train

SCHEDULE = DiffusionSchedule.linear(50, beta_start=1e-3, beta_end=0.2)
RECIPE = {"batch_size": 8, "lr": 1e-3, "label_dropout": 0.2, "seed": 5}


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
        **RECIPE,
        device="cpu",
        checkpoint_path=tmp_path / name,
        checkpoint_every=3,
        resume=resume,
        stop_after=stop_after,
        progress=False,
    )
