"""Exercise checks for lesson 04 (time embedding): each prints ✓ or ✗ with the likely mistake."""

from __future__ import annotations

import torch

from .feedback import CheckResult, call_answer, report

__all__ = ["check_time_embedding", "check_time_bias"]


def check_time_embedding(fn) -> CheckResult:
    """Lesson 04, exercise 1: ``fn(timesteps, dim)`` = the seed's sinusoidal embedding ``(B, dim)``, [sin | cos]."""
    from ...embedding import TimePositionalEncoding

    t = torch.tensor([0, 1, 7, 250, 999])
    for dim in (8, 32):
        got, problem = call_answer(fn, t, dim)
        if problem:
            return report(False, problem)
        expected = TimePositionalEncoding(dim)(t)
        if not isinstance(got, torch.Tensor) or got.shape != expected.shape:
            return report(False, f"dim={dim}: return a tensor of shape {tuple(expected.shape)}")
        if not torch.allclose(got.float(), expected, atol=1e-5):
            half = dim // 2
            interleaved = torch.stack([expected[:, :half], expected[:, half:]], dim=-1).reshape(len(t), dim)
            swapped = torch.cat([expected[:, half:], expected[:, :half]], dim=1)
            if torch.allclose(got.float(), interleaved, atol=1e-5):
                hint = "you interleaved sin and cos; the seed's code puts all sines first, then all cosines"
            elif torch.allclose(got.float(), swapped, atol=1e-5):
                hint = "cos and sin halves are swapped: [sin | cos]"
            else:
                hint = "frequencies are exp(−ln(10000)·i/(half − 1)), i = 0 … half − 1 (the lowest is exactly 1e-4)"
            return report(False, f"dim={dim}: {hint}")
    return report(True, "[sin(t·ω_i) | cos(t·ω_i)], ω_i = 10000^(−i/(half−1))")


def check_time_bias(fn) -> CheckResult:
    """Lesson 04, exercise 2: ``fn(h, t_emb)`` adds a per-channel time vector ``(B, C)`` to feature maps ``(B, C, H, W)``."""
    g = torch.Generator().manual_seed(2)
    h = torch.randn(3, 4, 5, 6, generator=g)
    t_emb = torch.randn(3, 4, generator=g)
    got, problem = call_answer(fn, h.clone(), t_emb.clone())
    if problem:
        return report(False, problem)
    expected = h + t_emb[..., None, None]
    if not isinstance(got, torch.Tensor) or got.shape != h.shape:
        return report(False, f"return feature maps of shape {tuple(h.shape)}; add t_emb[..., None, None]")
    if not torch.allclose(got, expected):
        return report(False, "each channel c of example b gets the same number t_emb[b, c] at every pixel")
    return report(True, "h + t_emb[..., None, None]: one number per channel, broadcast over the image")
