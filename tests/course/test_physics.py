"""Lesson 01's particle simulation and the exercise checks of lessons 01+."""

import math

import torch

from ddpm_lessons.course.physics import density, ink_drop, random_walk, reflect


def test_reflect_keeps_particles_in_the_glass():
    x = torch.tensor([-0.1, 0.5, 1.2, 1.0, 0.0])
    assert torch.allclose(reflect(x), torch.tensor([0.1, 0.5, 0.8, 1.0, 0.0]))


def test_variance_grows_linearly_without_walls():
    g = torch.Generator().manual_seed(0)
    start = ink_drop(50_000, spread=0.02, generator=g)
    end = random_walk(start, 100, 0.01, generator=g, walls=False)
    expected = 0.02**2 + 100 * 0.01**2
    tolerance = 5 * expected * math.sqrt(2 / 50_000)
    assert abs(end[:, 0].var().item() - expected) < tolerance


def test_snapshots_and_density():
    g = torch.Generator().manual_seed(1)
    snaps = random_walk(ink_drop(1000, generator=g), 20, 0.05, generator=g, record_every=10)
    assert [s for s, _ in snaps] == [0, 10, 20]
    d = density(snaps[-1][1], bins=8)
    assert d.shape == (8, 8) and abs(d.sum().item() - 1) < 1e-9
    assert bool(((snaps[-1][1] >= 0) & (snaps[-1][1] <= 1)).all())
