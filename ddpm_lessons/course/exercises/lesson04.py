"""Exercise checks for lesson 04 (time embedding): each prints ✓ or ✗ with the likely mistake."""

from __future__ import annotations

import torch

from ..language import tr
from .feedback import CheckResult, call_answer, close, report, robust_check, tensor_answer, which_mistake

__all__ = ["check_time_embedding", "check_time_bias", "check_shifted_embedding"]


@robust_check
def check_time_embedding(fn) -> CheckResult:
    """Lesson 04, exercise 1: ``fn(timesteps, dim)`` = the seed's sinusoidal embedding ``(B, dim)``, [sin | cos]."""
    from ...embedding import TimePositionalEncoding

    t = torch.tensor([0, 1, 7, 250, 999])
    for dim in (8, 32):
        got, problem = call_answer(fn, t.clone(), dim)
        if problem:
            return report(False, problem)
        expected = TimePositionalEncoding(dim)(t)
        got, problem = tensor_answer(got, expected, tr("the embedding"))
        if problem:
            return report(False, tr("dim={dim}: {problem}", dim=dim, problem=problem))
        if not close(got, expected, rtol=0, atol=1e-5):
            half = dim // 2
            hint = which_mistake(
                got,
                {
                    tr(
                        "you interleaved sin and cos; the seed's code puts all sines first, then all cosines"
                    ): torch.stack([expected[:, :half], expected[:, half:]], dim=-1).reshape(len(t), dim),
                    tr("cos and sin halves are swapped: [sin | cos]"): torch.cat(
                        [expected[:, half:], expected[:, :half]], dim=1
                    ),
                },
                tr("frequencies are exp(−ln(10000)·i/(half − 1)), i = 0 … half − 1 (the lowest is exactly 1e-4)"),
                rtol=0,
                atol=1e-5,
            )
            return report(False, tr("dim={dim}: {hint}", dim=dim, hint=hint))
    return report(True, "[sin(t·ω_i) | cos(t·ω_i)], ω_i = 10000^(−i/(half−1))")  # a formula: no words to translate


@robust_check
def check_time_bias(fn) -> CheckResult:
    """Lesson 04, exercise 2: ``fn(h, t_emb)`` adds a per-channel time vector ``(B, C)`` to feature maps ``(B, C, H, W)``."""
    g = torch.Generator().manual_seed(2)
    h = torch.randn(3, 4, 5, 6, generator=g)
    t_emb = torch.randn(3, 4, generator=g)
    got, problem = call_answer(fn, h.clone(), t_emb.clone())
    if problem:
        return report(False, problem)
    expected = h + t_emb[..., None, None]
    got, problem = tensor_answer(got, expected, tr("the result"))
    if problem:
        return report(False, tr("{problem}; add t_emb[..., None, None] to h", problem=problem))
    if not close(got, expected, rtol=1e-5, atol=1e-6):
        return report(False, tr("each channel c of example b gets the same number t_emb[b, c] at every pixel"))
    return report(True, tr("h + t_emb[..., None, None]: one number per channel, broadcast over the image"))


@robust_check
def check_shifted_embedding(fn) -> CheckResult:
    """Lesson 04, exercise 3 (derive): ``fn(emb, k)`` = PE(t + k) computed from PE(t) ``emb`` ``(B, dim)`` alone,
    without knowing t: each (sin, cos) pair rotates by the angle k·ω_i."""
    from ...embedding import TimePositionalEncoding

    t = torch.tensor([0, 3, 40, 500])
    for dim, k in ((8, 1), (16, 37), (32, 250)):
        encoding = TimePositionalEncoding(dim)
        emb = encoding(t).double()
        got, problem = call_answer(fn, emb.clone(), k)
        if problem:
            return report(False, problem)
        expected = encoding(t + k).double()
        got, problem = tensor_answer(got, expected, tr("the shifted embedding"))
        if problem:
            return report(False, tr("dim={dim}, k={k}: {problem}", dim=dim, k=k, problem=problem))
        if not close(got, expected, rtol=0, atol=1e-4):
            hint = which_mistake(
                got,
                {
                    tr("that is PE(t) unchanged; every pair (sin tω, cos tω) must turn by kω"): emb,
                    tr(
                        "that is PE(t − k): the rotation's sin(kω) terms have the wrong sign — "
                        "sin(a + b) = sin a cos b + cos a sin b, cos(a + b) = cos a cos b − sin a sin b"
                    ): encoding(t - k).double(),
                },
                tr(
                    "use sin(a + b) = sin a cos b + cos a sin b and cos(a + b) = cos a cos b − sin a sin b with "
                    "a = tω_i, b = kω_i"
                ),
                rtol=0,
                atol=1e-4,
            )
            return report(False, tr("dim={dim}, k={k}: {hint}", dim=dim, k=k, hint=hint))
    return report(True, tr("PE(t + k) = a fixed rotation of PE(t) for every t: a linear layer can shift time"))
