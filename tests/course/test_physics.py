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


def test_reverse_walk_undoes_the_spreading_of_a_gaussian_cloud():
    from ddpm_lessons.course.physics import reverse_walk

    g = torch.Generator().manual_seed(3)
    n, sigma, steps, var0 = 50_000, 0.02, 30, 0.01**2
    drop = ink_drop(n, spread=0.01, generator=g)
    spread = random_walk(drop, steps, sigma, generator=g, walls=False)
    back = reverse_walk(spread, steps, sigma, start_variance=var0, generator=g)
    again = random_walk(spread, steps, sigma, generator=g, walls=False)
    for coordinate in (0, 1):
        assert abs(back[:, coordinate].var().item() - var0) < 5 * var0 * math.sqrt(2 / n)
        assert abs(back[:, coordinate].mean().item() - 0.5) < 5 * math.sqrt(var0 / n)
        expected_again = var0 + 2 * steps * sigma**2  # the forward kicks keep spreading
        assert abs(again[:, coordinate].var().item() - expected_again) < 5 * expected_again * math.sqrt(2 / n)
    snaps = reverse_walk(spread, steps, sigma, start_variance=var0, generator=g, record_every=10)
    assert [k for k, _ in snaps] == [30, 20, 10, 0]
    assert torch.equal(reverse_walk(spread, 0, sigma, start_variance=var0), spread)


def test_reverse_walk_rejects_bad_arguments():
    import pytest

    from ddpm_lessons.course.physics import reverse_walk

    x = torch.zeros(4, 2)
    with pytest.raises(ValueError, match="sigma"):
        reverse_walk(x, 3, 0.0, start_variance=1e-4)
    with pytest.raises(ValueError, match="start_variance"):
        reverse_walk(x, 3, 0.1, start_variance=0.0)
    with pytest.raises(ValueError, match="positions"):
        reverse_walk(torch.zeros(4), 3, 0.1, start_variance=1e-4)
