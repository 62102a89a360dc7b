"""Exercise checks for lesson 04 (time embedding): each prints ✓ or ✗ with the likely mistake."""

from __future__ import annotations

import math

import torch

from ..language import tr
from .feedback import CheckResult, call_answer, close, report, robust_check, tensor_answer, type_name, which_mistake

__all__ = ["check_embedding_distance", "check_fast_twins", "check_fixed_embedding", "check_shifted_embedding"]


def _frequencies(half: int, denominator: int) -> torch.Tensor:
    """10000^(−i/denominator), i = 0 … half − 1, float64: the seed's code uses half − 1, its text half."""
    return torch.exp(torch.arange(half, dtype=torch.float64) * -(math.log(10000) / denominator))


def _distance(gap: torch.Tensor, omega: torch.Tensor, angle: float = 0.5) -> torch.Tensor:
    """2·√(Σ_i sin²(angle·gap·ω_i)): with angle ½ the distance ‖PE(t + gap) − PE(t)‖ for frequencies ω."""
    return 2 * (torch.sin(angle * gap[:, None] * omega) ** 2).sum(dim=1).sqrt()


def _distance_slips(gap: torch.Tensor, dim: int) -> dict:
    """The likely wrong answers of exercise 1, hint → the distances that slip gives (float64)."""
    half = dim // 2
    right = _distance(gap, _frequencies(half, half - 1))
    return {
        tr(" — that is the squared distance ‖PE(t + gap) − PE(t)‖²; take its square root"): right**2,
        tr(" — that is the distance between unit vectors; each embedding has norm √h, h = dim/2"): right
        / math.sqrt(half),
        tr(" — ‖a − b‖² = ‖a‖² + ‖b‖² − 2a·b: both norms count, h + h, before the dot product is taken off"): right
        / math.sqrt(2),
        tr(" — 1 − cos x = 2 sin²(x/2): the sine takes half the angle, gap·ω_i/2"): _distance(
            gap, _frequencies(half, half - 1), angle=1.0
        ),
        tr(" — those are the article text's frequencies 10000^(−i/h); the code's are 10000^(−i/(h − 1))"): _distance(
            gap, _frequencies(half, half)
        ),
        tr(" — one frequency per (sin, cos) pair: h = dim/2 of them, not dim"): _distance(
            gap, _frequencies(dim, dim - 1)
        ),
    }


def _embedding_pair_distance(t: torch.Tensor, gap: torch.Tensor, dim: int) -> torch.Tensor:
    """‖PE(t + gap) − PE(t)‖ from the two float64 embeddings themselves (no closed form), for any even dim."""
    return (_seed_embedding(t + gap, dim) - _seed_embedding(t, dim)).norm(dim=1)


@robust_check
def check_embedding_distance(fn) -> CheckResult:
    """Lesson 04, exercise 1 (derive): ``fn(gap, dim)`` = the Euclidean distance ‖PE(t + gap) − PE(t)‖ of the seed's
    embeddings for every gap of the 1-D float64 tensor ``gap``, from the gap alone:
    ‖a − b‖² = 2h − 2Σ cos(gap·ω_i) = 4Σ sin²(gap·ω_i/2). Compared with the float64 embeddings at random t, for
    non-integer gaps and for a dim above ``MAX_WIDTH``, which ``TimePositionalEncoding`` refuses: an answer that only
    subtracts two of the package's embeddings (no derivation) cannot pass."""
    from ...validation import MAX_WIDTH

    g = torch.Generator().manual_seed(4)
    gap = torch.cat([torch.tensor([0.0, 1.0, -7.0, 999.0]), 2000 * torch.rand(8, generator=g, dtype=torch.float64)])
    t = 1000 * torch.rand(len(gap), generator=g, dtype=torch.float64)
    for dim in (128, 32, 6, 2 * MAX_WIDTH + 2):
        expected = _embedding_pair_distance(t, gap, dim)
        got, problem = call_answer(fn, gap.clone(), dim)
        if problem and dim > MAX_WIDTH:
            return report(
                False,
                tr(
                    "dim={dim} (beyond what TimePositionalEncoding accepts): {problem} — compute the distance from the "
                    "formula you derived, with the gap alone, not from two embeddings",
                    dim=dim,
                    problem=problem,
                ),
            )
        if problem:
            return report(False, problem)
        got, problem = tensor_answer(got, expected, tr("the distances"))
        if problem:
            return report(False, tr("dim={dim}: {problem}; return one distance per gap", dim=dim, problem=problem))
        if close(got, expected, rtol=1e-4, atol=1e-6):
            continue
        hint = which_mistake(got, _distance_slips(gap, dim), rtol=1e-4, atol=1e-6)
        worst = int((got - expected).abs().argmax())
        return report(
            False,
            tr(
                "dim={dim}, gap={gap:.4g}: the embeddings are {expected:.6g} apart, your function says {got:.6g}{hint}",
                dim=dim,
                gap=gap[worst].item(),
                expected=expected[worst].item(),
                got=got[worst].item(),
                hint=hint,
            ),
        )
    return report(
        True,
        tr("‖PE(t) − PE(t′)‖ = 2√(Σ sin²((t − t′)ω_i/2)): the gap alone decides it; each sin² ≤ 1, so it is below 2√h"),
    )


def _seed_embedding(t: torch.Tensor, dim: int) -> torch.Tensor:
    """The seed's embedding in float64: [sin(tω_i) | cos(tω_i)], ω_i = 10000^(−i/(h − 1))."""
    angles = t.double()[:, None] * _frequencies(dim // 2, dim // 2 - 1)
    return torch.cat([angles.sin(), angles.cos()], dim=1)


def _typed_embedding(t: torch.Tensor, dim: int, minus_one: bool = True, denominator: int | None = None):
    """The exercise's wavelengths 2π·10000^(i/denominator − 1), float32 as the learner's stub computes them; with
    ``minus_one=False`` and ``denominator = half − 1`` the seed's embedding (to float32 rounding)."""
    half = dim // 2
    exponent = torch.arange(half) / (half if denominator is None else denominator) - (1 if minus_one else 0)
    wavelengths = 2 * math.pi * 10000**exponent
    angles = 2 * math.pi * t[:, None] / wavelengths[None, :]
    return torch.cat([angles.sin(), angles.cos()], dim=-1)


def _embedding_slips(t: torch.Tensor, dim: int) -> dict:
    """The likely wrong fixes of exercise 2, hint → the embedding that fix gives (float64 where its angles are small)."""
    half = dim // 2
    right = _seed_embedding(t, dim)
    angles = t.double()[:, None] * _frequencies(half, half)
    return {
        tr(
            "that divides by half: Vaswani et al.'s text has 10000^(2i/d) = 10000^(i/h) (also in reference use), "
            "but the seed's code, which this check wants, divides by half − 1, so the longest wavelength is exactly "
            "2π·10000"
        ): torch.cat([angles.sin(), angles.cos()], dim=1),
        tr("you interleaved sin and cos; the seed's code puts all sines first, then all cosines"): torch.stack(
            [right[:, :half], right[:, half:]], dim=-1
        ).reshape(len(t), dim),
        tr(
            "the halves are [cos | sin] (improved-diffusion's layout, also valid); the package's convention, "
            "which this check wants, is [sin | cos]"
        ): torch.cat([right[:, half:], right[:, :half]], dim=1),
    }


def _neighbour_similarity(emb: torch.Tensor) -> float:
    """The smallest cosine similarity of rows 2k and 2k + 1 (the check's t come in neighbouring pairs)."""
    unit = emb / emb.norm(dim=1, keepdim=True)
    return float((unit[0::2] * unit[1::2]).sum(dim=1).min())


@robust_check
def check_fixed_embedding(fn) -> CheckResult:
    """Lesson 04, exercise 2 (find the bug): ``fn(timesteps, dim)`` = the seed's embedding ``(B, dim)`` after the
    learner fixed the stub's wavelengths 2π·10000^(i/half − 1) (the ``− 1`` binds after the division; frequencies
    from 10⁴ down to 1.15 per step) to 2π·10000^(i/(half − 1)). The unchanged stub gets a message that does not
    give away the measurement the exercise asks for; wrong fixes get their slip named."""
    t = torch.tensor([0, 1, 7, 8, 250, 251, 998, 999])  # neighbouring pairs: (0, 1), (7, 8), …
    for dim in (128, 32, 8):
        got, problem = call_answer(fn, t.clone(), dim)
        if problem:
            return report(False, problem)
        expected = _seed_embedding(t, dim)
        got, problem = tensor_answer(got, expected, tr("the embedding"))
        if problem:
            return report(False, tr("dim={dim}: {problem}", dim=dim, problem=problem))
        # 2e-4: a float32 angle t·ω near 1000 carries ~1e-4 of rounding; every named slip is off by far more
        if close(got, expected, rtol=0, atol=2e-4):
            continue
        if close(got, _typed_embedding(t, dim).double(), rtol=0, atol=1e-6):
            hint = tr(
                "this is not the seed's embedding yet (t = 0 agrees, where every angle is 0): measure first, as the "
                "exercise asks, then compare the wavelengths with section 1's formula"
            )
        elif _neighbour_similarity(got) < 0.5 < _neighbour_similarity(expected):
            hint = tr(
                "neighbouring steps still get nearly unrelated vectors (cosine similarity of PE(t) and PE(t + 1) "
                "below 0.5; the seed's embedding gives {right:.2f}): print your wavelengths, they must run from 2π "
                "up to 2π·10000 steps",
                right=_neighbour_similarity(expected),
            )
        else:
            hint = which_mistake(
                got,
                _embedding_slips(t, dim),
                tr("wavelengths are 2π·10000^(i/(half − 1)), i = 0 … half − 1: from 2π up to exactly 2π·10000"),
                rtol=0,
                atol=2e-4,
            )
        return report(False, tr("dim={dim}: {hint}", dim=dim, hint=hint))
    return report(
        True,
        tr("i/(half − 1): wavelengths from 2π up to 2π·10000, and neighbouring steps get similar vectors again"),
    )


def _steps_set(value) -> set | None:
    """A learner's collection of steps (tensor, array, list, tuple, set) as a set of ints, or None."""
    if isinstance(value, torch.Tensor):
        value = value.flatten().tolist()
    elif hasattr(value, "tolist"):
        value = value.tolist()
    if not isinstance(value, (list, tuple, set)) or not all(
        isinstance(v, (int, float)) and float(v) == int(v) for v in value
    ):
        return None
    return {int(v) for v in value}


def _twins(t: int, tol: float, near) -> set:
    """The steps s = 0 … 999 for which ``near(s, t, tol)`` holds (float64)."""
    s = torch.arange(1000, dtype=torch.float64)
    return set(torch.nonzero(near(s, float(t), tol)).flatten().tolist())


@robust_check
def check_fast_twins(fn) -> CheckResult:
    """Lesson 04, exercise 3 (predict, then run): ``fn(t, tol)`` = the steps s ≠ t of the chain 0 … 999 whose fast
    pair (sin s, cos s) — frequency 1 of the 4-dimensional embedding — lies within Euclidean distance ``tol`` of
    t's: ‖(sin s, cos s) − (sin t, cos t)‖ = 2|sin((s − t)/2)| < tol. Any collection of ints, any order."""
    cases = ((0, 0.1), (500, 0.05), (999, 0.2))
    for t, tol in cases:
        got, problem = call_answer(fn, t, tol)
        if problem:
            return report(False, problem)
        steps = _steps_set(got)
        if steps is None:
            return report(
                False, tr("return the steps as a list or a 1-D tensor of ints, got {kind}", kind=type_name(got))
            )
        right = _twins(t, tol, lambda s, t, tol: (2 * torch.sin((s - t) / 2).abs() < tol) & (s != t))
        if steps == right:
            continue
        slips = {
            tr("leave t itself out: it is not a twin of itself"): right | {t},
            tr(
                "you compared the sines alone; sin s = sin t also where the phase differs (s ≈ π − t + 2πm): "
                "compare the pair (sin s, cos s)"
            ): _twins(t, tol, lambda s, t, tol: ((s.sin() - math.sin(t)).abs() < tol) & (s != t)),
            tr("that compares the squared distance with tol; compare the distance"): _twins(
                t, tol, lambda s, t, tol: (4 * torch.sin((s - t) / 2) ** 2 < tol) & (s != t)
            ),
        }
        hint = next((h for h, value in slips.items() if steps == value), "")
        return report(
            False,
            tr(
                "t={t}, tol={tol}: {n_right} steps are that close, your function returned {n_got}{hint}",
                t=t,
                tol=tol,
                n_right=len(right),
                n_got=len(steps),
                hint=(" — " + hint) if hint else "",
            ),
        )
    return report(
        True,
        tr(
            "the fast pair repeats every 2π ≈ 6.28 steps: its near-twins lie all along the chain, so it cannot say "
            "how noisy x_t is"
        ),
    )


def _linearity_problem(fn, dim: int, k: int, g: torch.Generator) -> str | None:
    """None when fn(a·e₁ + b·e₂, k) = a·fn(e₁, k) + b·fn(e₂, k) for two random vectors (not embeddings), else why not."""
    e1, e2 = torch.randn(2, 3, dim, generator=g, dtype=torch.float64)
    a, b = 0.7, -1.9
    together, problem = call_answer(fn, a * e1 + b * e2, k)
    parts = [call_answer(fn, e, k) for e in (e1.clone(), e2.clone())]
    problem = problem or next((p for _, p in parts if p), None)
    if problem:
        return tr("dim={dim}, k={k}, on vectors that are not embeddings: {problem}", dim=dim, k=k, problem=problem)
    together, problem = tensor_answer(together, e1, tr("the shifted embedding"))
    apart = [tensor_answer(value, e1, tr("the shifted embedding"))[0] for value, _ in parts]
    if (
        problem
        or any(v is None for v in apart)
        or not close(together, a * apart[0] + b * apart[1], rtol=1e-4, atol=1e-4)
    ):
        return tr(
            "dim={dim}, k={k}: right on embeddings, but not linear: fn(a·e₁ + b·e₂) ≠ a·fn(e₁) + b·fn(e₂) for two "
            "arbitrary vectors. PE(t + k) must come from PE(t) through one fixed matrix (rotate each pair); "
            "recovering t and re-encoding t + k is not linear",
            dim=dim,
            k=k,
        )
    return None


@robust_check
def check_shifted_embedding(fn) -> CheckResult:
    """Lesson 04, exercise 4 (derive): ``fn(emb, k)`` = PE(t + k) computed from PE(t) ``emb`` ``(B, dim)`` alone,
    without knowing t: each (sin, cos) pair rotates by the angle k·ω_i, a map linear in ``emb``. Checked on float64
    embeddings of t up to 2·10⁵ (past the slowest period 2π·10⁴, so recovering t from the slowest pair and
    re-encoding t + k fails), and for linearity on two arbitrary vectors: fn(a·e₁ + b·e₂) = a·fn(e₁) + b·fn(e₂)."""
    g = torch.Generator().manual_seed(4)
    t = torch.tensor([0.0, 3.0, 40.0, 500.0, 70_001.0, 123_456.0, 199_999.0], dtype=torch.float64)
    for dim, k in ((8, 1), (16, 37), (32, 250)):
        emb = _seed_embedding(t, dim)
        got, problem = call_answer(fn, emb.clone(), k)
        if problem:
            return report(False, problem)
        expected = _seed_embedding(t + k, dim)
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
                    ): _seed_embedding(t - k, dim),
                },
                tr(
                    "use sin(a + b) = sin a cos b + cos a sin b and cos(a + b) = cos a cos b − sin a sin b with "
                    "a = tω_i, b = kω_i"
                ),
                rtol=0,
                atol=1e-4,
            )
            return report(False, tr("dim={dim}, k={k}: {hint}", dim=dim, k=k, hint=hint))
        problem = _linearity_problem(fn, dim, k, g)
        if problem:
            return report(False, problem)
    return report(
        True,
        tr("PE(t + k) = a fixed rotation of PE(t) for every t: one linear map, the same for every t, shifts time by k"),
    )
