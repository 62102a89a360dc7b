"""The seed's TimePositionalEncoding: layout, frequencies and agreement with the article's code."""

import math

import pytest
import torch

from ddpm_lessons import TimePositionalEncoding


def seed_article_encoding(timesteps, dim):
    """The article's forward(), line for line, as the reference."""
    half_dim = dim // 2
    scale = math.log(10000) / (half_dim - 1)
    exponents = torch.exp(torch.arange(half_dim, device=timesteps.device) * -scale)
    args = timesteps[:, None] * exponents[None, :]
    return torch.cat([args.sin(), args.cos()], dim=-1)


def test_layout_and_frequencies():
    enc = TimePositionalEncoding(128)
    t = torch.arange(1000)
    emb = enc(t)
    assert emb.shape == (1000, 128) and emb.dtype == torch.float32
    assert torch.allclose(emb[:, 0], torch.sin(t.float()))
    assert torch.allclose(emb[:, 64], torch.cos(t.float()))
    freqs = enc.frequencies(dtype=torch.float64)
    assert freqs[0].item() == 1.0
    assert freqs[-1].item() == pytest.approx(1e-4, rel=1e-12)


def test_equals_seed_code():
    t = torch.randint(0, 1000, (32,), generator=torch.Generator().manual_seed(0))
    for dim in (4, 32, 128):
        assert torch.equal(TimePositionalEncoding(dim)(t), seed_article_encoding(t, dim))


def test_different_timesteps_give_different_rows():
    emb = TimePositionalEncoding(32)(torch.arange(1000)).double()
    distances = torch.cdist(emb, emb) + torch.eye(1000, dtype=torch.float64) * 1e9
    assert distances.min().item() > 1e-3


def test_bad_timesteps_shape():
    with pytest.raises(ValueError, match=r"timesteps must have shape \(B,\)"):
        TimePositionalEncoding(8)(torch.zeros(2, 1))


def test_a_width_above_the_ceiling_is_refused_before_anything_is_allocated():
    import time

    from ddpm_lessons.validation import MAX_WIDTH, InputError

    started = time.perf_counter()
    with pytest.raises(
        InputError, match=r"dim must be an integer <= 16,384 \(the package's ceiling MAX_WIDTH\)"
    ) as info:
        TimePositionalEncoding(10**9)  # the seed's class: (B, 10**9) embeddings would be 4 GB per timestep
    assert info.value.parameter == "dim" and time.perf_counter() - started < 1
    assert TimePositionalEncoding(MAX_WIDTH).dim == MAX_WIDTH
