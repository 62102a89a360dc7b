"""The sinusoidal time embedding (lesson 04; the seed's 时间步位置编码).

The seed writes PE(t, 2i) = sin(t / 10000^{2i/d}), PE(t, 2i+1) = cos(...), but its code (like Ho et al.'s) lays the
embedding out as two halves, ``[sin(t ω_0) … sin(t ω_{h−1}) | cos(t ω_0) … cos(t ω_{h−1})]`` with h = d/2 and
ω_i = 10000^{−i/(h−1)}: the highest frequency is exactly 1 and the lowest exactly 1/10000. Any layout trains equally
well; what matters is using one consistently.
"""

from __future__ import annotations

import math

import torch
import torch.nn as nn

from .validation import MAX_WIDTH, InputError, check_size

__all__ = ["TimePositionalEncoding"]


class TimePositionalEncoding(nn.Module):
    """Sinusoidal embedding of timesteps, ``(B,)`` → ``(B, dim)`` (seed §3; Ho et al.'s ``get_timestep_embedding``).

    Args:
        dim: embedding size, even, at least 4 (the exponent divides by ``dim/2 − 1``) and at most ``MAX_WIDTH``.

    Accepts integer or real-valued timesteps of shape ``(B,)``; returns float32 (or the timesteps' float dtype).
    It has no parameters: the frequencies are fixed, so the same t always maps to the same vector.
    """

    def __init__(self, dim: int):
        super().__init__()
        dim = check_size(dim, "dim", MAX_WIDTH, "MAX_WIDTH", minimum=4)
        if dim % 2:
            raise InputError(f"dim must be even (half sines, half cosines), got {dim}")
        self.dim = dim

    def frequencies(self, device=None, dtype=torch.float32) -> torch.Tensor:
        """ω_i = exp(−ln(10000) · i / (h − 1)), i = 0 … h − 1: from 1 down to exactly 1e-4."""
        half_dim = self.dim // 2
        scale = math.log(10000) / (half_dim - 1)
        return torch.exp(torch.arange(half_dim, device=device, dtype=dtype) * -scale)

    def forward(self, timesteps: torch.Tensor) -> torch.Tensor:
        if not isinstance(timesteps, torch.Tensor):
            raise InputError(f"timesteps must be a torch.Tensor of shape (B,), got {type(timesteps).__name__}")
        if timesteps.dim() != 1:
            raise InputError(f"timesteps must have shape (B,), got {tuple(timesteps.shape)}")
        dtype = timesteps.dtype if timesteps.is_floating_point() else torch.float32
        exponents = self.frequencies(timesteps.device, dtype)
        args = timesteps.to(dtype)[:, None] * exponents[None, :]
        return torch.cat([args.sin(), args.cos()], dim=-1)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"
