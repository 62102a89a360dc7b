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
