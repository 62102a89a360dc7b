"""Automatic checks for the lessons' exercises: ``check_<name>(your_function)`` says what is right or wrong.

Each check calls the learner's function on inputs with known answers, prints ``✓ …`` or ``✗ …`` with a hint
that names the likely mistake, and returns a :class:`CheckResult` (true or false; ``assert`` works on it). A function that still raises ``NotImplementedError``
gets a reminder instead of a traceback, so a notebook with unsolved exercises still runs top to bottom.
"""

from __future__ import annotations

import math

import torch

__all__ = ["check_paper_to_code", "check_alpha_bar_at_paper_step", "check_predicted_variance", "check_vp_step",
           "check_variance_after", "check_alphas_cumprod", "check_merged_noise_std", "check_q_sample",
           "check_posterior_coefficients", "check_gaussian_kl", "check_eps_weight", "check_time_embedding",
           "check_time_bias", "check_conv_parameters", "check_stage_shape", "check_timestep_sampler",
           "check_ema_update", "check_simple_loss", "check_reverse_step", "check_posterior_variance",
           "check_guided_eps", "check_to_model_range", "check_sampling_indices", "check_prior_mismatch_kl"]


class CheckResult:
    """True or false like a bool, but shows nothing as a cell's last value: the printed ✓/✗ line is the feedback."""

    def __init__(self, ok: bool):
        self.ok = bool(ok)

    def __bool__(self) -> bool:
        return self.ok

    def __repr__(self) -> str:
        return f"CheckResult(ok={self.ok})"

    def _ipython_display_(self) -> None:
        pass


def _report(ok: bool, message: str) -> CheckResult:
    print(("✓ " if ok else "✗ ") + message)
    return CheckResult(ok)


def _call(fn, *args, number: bool = False):
    """(result, None) or (None, message) when the learner's function is unfinished, crashes, or — with
    ``number=True`` — returns something that is not a single number."""
    try:
        result = fn(*args)
        if number:
            if isinstance(result, torch.Tensor) and result.numel() == 1:
                result = result.item()
            if isinstance(result, bool) or not isinstance(result, (int, float)):
                return None, f"{fn.__name__} must return a number, got {type(result).__name__}" + (
                    " (did you forget `return`?)" if result is None else "")
            result = float(result)
        return result, None
    except NotImplementedError:
        return None, f"{fn.__name__} is not implemented yet: replace `raise NotImplementedError` with your code"
    except Exception as error:  # the learner sees their own error, briefly
        return None, f"{fn.__name__} raised {type(error).__name__}: {error}"


def check_paper_to_code(fn) -> CheckResult:
    """Lesson 00, exercise 1: ``fn(paper_t)`` = the code index of paper step ``paper_t`` (1 … T)."""
    for paper_t in (1, 2, 500, 1000):
        got, problem = _call(fn, paper_t)
        if problem:
            return _report(False, problem)
        if got != paper_t - 1:
            hint = " — the code counts from 0" if got == paper_t else ""
            return _report(False, f"paper step {paper_t} is code index {paper_t - 1}, got {got!r}{hint}")
    return _report(True, "code index = paper step − 1")


def check_alpha_bar_at_paper_step(fn) -> CheckResult:
    """Lesson 00, exercise 2: ``fn(schedule, paper_t)`` = ᾱ at paper step ``paper_t`` (0 … T), with ᾱ_0 = 1."""
    from .schedule import DiffusionSchedule

    schedule = DiffusionSchedule.linear(1000, dtype=torch.float64)
    for paper_t in (0, 1, 2, 500, 1000):
        expected = 1.0 if paper_t == 0 else schedule.alphas_cumprod[paper_t - 1].item()
        got, problem = _call(fn, schedule, paper_t, number=True)
        if problem:
            if paper_t == 0 and "IndexError" in problem:
                problem += " — paper step 0 is the clean data: ᾱ_0 = 1 (schedule.alphas_cumprod_prev[0])"
            return _report(False, problem)
        if abs(float(got) - expected) > 1e-12:
            hint = ""
            if paper_t < 1000 and abs(float(got) - schedule.alphas_cumprod[paper_t].item()) < 1e-12:
                hint = " — off by one: paper step t is code index t − 1"
            elif paper_t == 0:
                hint = " — ᾱ_0 := 1: no noise has been added yet"
            return _report(False, f"paper step {paper_t}: expected {expected:.6g}, got {float(got):.6g}{hint}")
    return _report(True, "ᾱ at paper step t is alphas_cumprod[t − 1], and ᾱ_0 = 1")


def check_predicted_variance(fn) -> CheckResult:
    """Lesson 01, exercise 1: ``fn(t, sigma, var0)`` = variance of one coordinate after t random-walk steps."""
    cases = [(0, 0.1, 0.02), (10, 0.1, 0.0), (250, 0.01, 0.005), (7, 0.3, 1.0)]
    for t, sigma, var0 in cases:
        got, problem = _call(fn, t, sigma, var0, number=True)
        if problem:
            return _report(False, problem)
        expected = var0 + t * sigma**2
        if abs(float(got) - expected) > 1e-9 * max(1.0, expected):
            hint = ""
            if abs(float(got) - (var0 + t * sigma)) < 1e-9:
                hint = " — each step adds the variance σ², not the standard deviation σ"
            elif abs(float(got) - t * sigma**2) < 1e-9:
                hint = " — don't forget the initial spread var0 of the ink drop"
            elif abs(float(got) - (math.sqrt(var0) + math.sqrt(t) * sigma) ** 2) < 1e-9:
                hint = " — independent variances add; standard deviations do not"
            return _report(False, f"for t={t}, sigma={sigma}, var0={var0} expected {expected:.6g}, got {float(got):.6g}{hint}")
    return _report(True, "variances of independent steps add: var0 + t·σ²")


def check_vp_step(fn) -> CheckResult:
    """Lesson 01, exercise 2: ``fn(x, beta, noise)`` = one variance-preserving step √(1 − β) x + √β ε."""
    g = torch.Generator().manual_seed(0)
    x = torch.rand(4, 3, 5, 5, generator=g) * 2 - 1
    noise = torch.randn(x.shape, generator=g)
    for beta in (0.02, 0.3):
        got, problem = _call(fn, x.clone(), beta, noise)
        if problem:
            return _report(False, problem)
        if not isinstance(got, torch.Tensor) or got.shape != x.shape:
            return _report(False, f"return a tensor shaped like x {tuple(x.shape)}")
        expected = math.sqrt(1 - beta) * x + math.sqrt(beta) * noise
        if not torch.allclose(got, expected, atol=1e-6):
            wrong = {
                "the noise is scaled by β instead of √β": math.sqrt(1 - beta) * x + beta * noise,
                "x must shrink by √(1 − β) before the noise is added": x + math.sqrt(beta) * noise,
                "x shrinks by √(1 − β), not by (1 − β)": (1 - beta) * x + math.sqrt(beta) * noise,
                "that is pure addition: nothing keeps the variance bounded": x + noise * beta,
            }
            hint = next((h for h, value in wrong.items() if torch.allclose(got, value, atol=1e-6)), "compare with √(1 − β)·x + √β·ε")
            return _report(False, f"beta={beta}: {hint}")
    return _report(True, "√(1 − β)·x + √β·ε keeps a unit variance unit")


def check_variance_after(fn) -> CheckResult:
    """Lesson 01, exercise 3: ``fn(var0, betas)`` = pixel variance after variance-preserving steps with these β."""
    cases = [(0.0, [0.5]), (0.3, [0.1, 0.2, 0.3]), (4.0, [0.02] * 50), (1.0, [0.01, 0.5, 0.9])]
    for var0, betas in cases:
        got, problem = _call(fn, var0, list(betas), number=True)
        if problem:
            return _report(False, problem)
        expected = var0
        for beta in betas:
            expected = (1 - beta) * expected + beta
        if abs(float(got) - expected) > 1e-9:
            return _report(False, f"var0={var0}, betas={betas[:3]}{'…' if len(betas) > 3 else ''}: expected {expected:.6g}, "
                                  f"got {float(got):.6g} — one step maps v to (1 − β)·v + β")
    return _report(True, "v ← (1 − β)·v + β: every step pulls the variance towards 1")


def check_alphas_cumprod(fn) -> CheckResult:
    """Lesson 02, exercise 1: ``fn(betas)`` = ᾱ_t = ∏_{s≤t} (1 − β_s) for a 1-D tensor of betas."""
    from .schedule import DiffusionSchedule

    for schedule in (DiffusionSchedule.linear(1000, dtype=torch.float64), DiffusionSchedule([0.1, 0.5, 0.2], dtype=torch.float64)):
        got, problem = _call(fn, schedule.betas.clone())
        if problem:
            return _report(False, problem)
        if not isinstance(got, torch.Tensor) or got.shape != schedule.betas.shape:
            return _report(False, f"return a tensor of shape {tuple(schedule.betas.shape)} (one ᾱ per step)")
        if not torch.allclose(got, schedule.alphas_cumprod, rtol=1e-9):
            if torch.allclose(got, torch.cumprod(schedule.betas, 0), rtol=1e-9):
                hint = "that is the product of the betas; ᾱ multiplies the alphas α = 1 − β"
            elif torch.allclose(got, 1 - schedule.betas, rtol=1e-9):
                hint = "that is α_t; ᾱ_t is the running product of all α up to t (torch.cumprod)"
            elif torch.allclose(got, schedule.alphas_cumprod_prev, rtol=1e-9):
                hint = "off by one: ᾱ at index 0 is α_0 itself, not 1"
            else:
                hint = f"expected {schedule.alphas_cumprod[:3].tolist()} … at the start"
            return _report(False, hint)
    return _report(True, "ᾱ_t = cumprod(1 − β)")


def check_merged_noise_std(fn) -> CheckResult:
    """Lesson 02, exercise 2: ``fn(alpha_t, alpha_prev)`` = standard deviation of X + Y in the seed's derivation,
    X ~ N(0, α_t(1 − α_{t−1})), Y ~ N(0, 1 − α_t)."""
    for a, b in ((0.99, 0.995), (0.5, 0.9), (0.9, 0.2)):
        got, problem = _call(fn, a, b, number=True)
        if problem:
            return _report(False, problem)
        expected = math.sqrt(1 - a * b)
        if abs(float(got) - expected) > 1e-9:
            hint = ""
            if abs(float(got) - (1 - a * b)) < 1e-9:
                hint = " — that is the variance; the standard deviation is its square root"
            elif abs(float(got) - (math.sqrt(a * (1 - b)) + math.sqrt(1 - a))) < 1e-9:
                hint = " — standard deviations do not add; variances of independent Gaussians do"
            return _report(False, f"alpha_t={a}, alpha_prev={b}: expected {expected:.6g}, got {float(got):.6g}{hint}")
    return _report(True, "Var[X + Y] = α_t(1 − α_{t−1}) + 1 − α_t = 1 − α_t α_{t−1}")


def check_q_sample(fn) -> CheckResult:
    """Lesson 02, exercise 3: ``fn(x0, alpha_bar_t, noise)`` = the closed form √ᾱ_t x_0 + √(1 − ᾱ_t) ε."""
    g = torch.Generator().manual_seed(1)
    x0 = torch.rand(8, 1, 6, 6, generator=g) * 2 - 1
    noise = torch.randn(x0.shape, generator=g)
    for alpha_bar in (0.9999, 0.5, 0.05):
        got, problem = _call(fn, x0.clone(), alpha_bar, noise)
        if problem:
            return _report(False, problem)
        if not isinstance(got, torch.Tensor) or got.shape != x0.shape:
            return _report(False, f"return a tensor shaped like x0 {tuple(x0.shape)}")
        expected = math.sqrt(alpha_bar) * x0 + math.sqrt(1 - alpha_bar) * noise
        if not torch.allclose(got, expected, atol=1e-6):
            wrong = {
                "the noise is scaled by (1 − ᾱ) instead of √(1 − ᾱ) — a bug shipped in a popular course; "
                "then Var[x_t] ≠ 1": math.sqrt(alpha_bar) * x0 + (1 - alpha_bar) * noise,
                "x_0 is scaled by ᾱ instead of √ᾱ": alpha_bar * x0 + math.sqrt(1 - alpha_bar) * noise,
                "the signal and noise scales are swapped": math.sqrt(1 - alpha_bar) * x0 + math.sqrt(alpha_bar) * noise,
            }
            hint = next((h for h, v in wrong.items() if torch.allclose(got, v, atol=1e-6)), "compare with √ᾱ·x0 + √(1 − ᾱ)·ε")
            return _report(False, f"alpha_bar={alpha_bar}: {hint}")
    return _report(True, "x_t = √ᾱ_t·x_0 + √(1 − ᾱ_t)·ε")


def check_posterior_coefficients(fn) -> CheckResult:
    """Lesson 03, exercise 1: ``fn(beta_t, alpha_bar_t, alpha_bar_prev)`` = (c0, ct) with
    μ̃_t = c0·x_0 + ct·x_t (DDPM eq. 7)."""
    for beta, alpha_bar_prev in ((0.02, 0.5), (1e-4, 1.0), (0.3, 0.9)):
        alpha_bar = alpha_bar_prev * (1 - beta)
        got, problem = _call(fn, beta, alpha_bar, alpha_bar_prev)
        if problem:
            return _report(False, problem)
        c0 = math.sqrt(alpha_bar_prev) * beta / (1 - alpha_bar)
        ct = math.sqrt(1 - beta) * (1 - alpha_bar_prev) / (1 - alpha_bar)
        try:
            g0, gt = (float(v) for v in got)
        except (TypeError, ValueError):
            return _report(False, "return a pair (coefficient of x_0, coefficient of x_t)")
        if abs(g0 - c0) > 1e-9 or abs(gt - ct) > 1e-9:
            hint = " — swapped? the first is the coefficient of x_0" if abs(g0 - ct) < 1e-9 and abs(gt - c0) < 1e-9 else ""
            return _report(False, f"beta={beta}, alpha_bar_prev={alpha_bar_prev}: expected ({c0:.6g}, {ct:.6g}), "
                                  f"got ({g0:.6g}, {gt:.6g}){hint}")
    return _report(True, "μ̃_t = √ᾱ_{t−1}β_t/(1−ᾱ_t)·x_0 + √α_t(1−ᾱ_{t−1})/(1−ᾱ_t)·x_t; at t = 1 it is x_0 itself")


def check_gaussian_kl(fn) -> CheckResult:
    """Lesson 03, exercise 2: ``fn(m1, v1, m2, v2)`` = KL(N(m1, v1) ‖ N(m2, v2)) in nats, for variances v."""
    cases = [(0.0, 1.0, 0.0, 1.0), (0.3, 0.5, -0.2, 2.0), (1.0, 0.01, 0.0, 0.01)]
    for m1, v1, m2, v2 in cases:
        got, problem = _call(fn, m1, v1, m2, v2, number=True)
        if problem:
            return _report(False, problem)
        expected = 0.5 * (math.log(v2 / v1) + (v1 + (m1 - m2) ** 2) / v2 - 1)
        if abs(float(got) - expected) > 1e-9:
            hint = ""
            reversed_kl = 0.5 * (math.log(v1 / v2) + (v2 + (m1 - m2) ** 2) / v1 - 1)
            if abs(float(got) - reversed_kl) < 1e-9:
                hint = " — that is KL(N2 ‖ N1); KL is not symmetric"
            return _report(False, f"KL(N({m1}, {v1}) ‖ N({m2}, {v2})): expected {expected:.6g}, got {float(got):.6g}{hint}")
    return _report(True, "KL = ½(ln(v2/v1) + (v1 + (m1 − m2)²)/v2 − 1)")


def check_eps_weight(fn) -> CheckResult:
    """Lesson 03, exercise 3: ``fn(beta_t, sigma2_t, alpha_bar_t)`` = β_t²/(2σ_t² α_t (1 − ᾱ_t)) (DDPM eq. 12)."""
    for beta, sigma2, alpha_bar in ((0.02, 0.02, 0.1), (1e-3, 5e-4, 0.99), (0.01, 0.008, 0.5)):
        got, problem = _call(fn, beta, sigma2, alpha_bar, number=True)
        if problem:
            return _report(False, problem)
        expected = beta**2 / (2 * sigma2 * (1 - beta) * (1 - alpha_bar))
        if abs(float(got) - expected) > 1e-9 * expected:
            return _report(False, f"beta={beta}, sigma2={sigma2}, alpha_bar={alpha_bar}: expected {expected:.6g}, "
                                  f"got {float(got):.6g} (α_t = 1 − β_t)")
    return _report(True, "w_t = β_t² / (2σ_t² α_t (1 − ᾱ_t)); L_simple sets every w_t to 1")


def check_time_embedding(fn) -> CheckResult:
    """Lesson 04, exercise 1: ``fn(timesteps, dim)`` = the seed's sinusoidal embedding ``(B, dim)``, [sin | cos]."""
    from .embedding import TimePositionalEncoding

    t = torch.tensor([0, 1, 7, 250, 999])
    for dim in (8, 32):
        got, problem = _call(fn, t, dim)
        if problem:
            return _report(False, problem)
        expected = TimePositionalEncoding(dim)(t)
        if not isinstance(got, torch.Tensor) or got.shape != expected.shape:
            return _report(False, f"dim={dim}: return a tensor of shape {tuple(expected.shape)}")
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
            return _report(False, f"dim={dim}: {hint}")
    return _report(True, "[sin(t·ω_i) | cos(t·ω_i)], ω_i = 10000^(−i/(half−1))")


def check_time_bias(fn) -> CheckResult:
    """Lesson 04, exercise 2: ``fn(h, t_emb)`` adds a per-channel time vector ``(B, C)`` to feature maps ``(B, C, H, W)``."""
    g = torch.Generator().manual_seed(2)
    h = torch.randn(3, 4, 5, 6, generator=g)
    t_emb = torch.randn(3, 4, generator=g)
    got, problem = _call(fn, h.clone(), t_emb.clone())
    if problem:
        return _report(False, problem)
    expected = h + t_emb[..., None, None]
    if not isinstance(got, torch.Tensor) or got.shape != h.shape:
        return _report(False, f"return feature maps of shape {tuple(h.shape)}; add t_emb[..., None, None]")
    if not torch.allclose(got, expected):
        return _report(False, "each channel c of example b gets the same number t_emb[b, c] at every pixel")
    return _report(True, "h + t_emb[..., None, None]: one number per channel, broadcast over the image")


def check_conv_parameters(fn) -> CheckResult:
    """Lesson 05, exercise 1: ``fn(in_ch, out_ch, kernel_size)`` = parameters of ``nn.Conv2d(in_ch, out_ch, k)``."""
    for in_ch, out_ch, k in ((3, 64, 3), (128, 128, 4), (1, 8, 1)):
        got, problem = _call(fn, in_ch, out_ch, k, number=True)
        if problem:
            return _report(False, problem)
        expected = sum(p.numel() for p in torch.nn.Conv2d(in_ch, out_ch, k).parameters())
        if got != expected:
            hint = " — don't forget one bias per output channel" if got == in_ch * out_ch * k * k else ""
            return _report(False, f"Conv2d({in_ch}, {out_ch}, {k}) has {expected:,} parameters, got {got:,.0f}{hint}")
    return _report(True, "in·out·k² weights + out biases")


def check_stage_shape(fn) -> CheckResult:
    """Lesson 05, exercise 2: ``fn(shape, out_ch, downsample)`` = output shape of the seed's ``UNetStage``."""
    from .unet import UNetStage

    cases = [((2, 64, 32, 32), 128, True), ((1, 2048, 4, 4), 512, False), ((3, 8, 16, 16), 4, True)]
    for shape, out_ch, down in cases:
        got, problem = _call(fn, shape, out_ch, down)
        if problem:
            return _report(False, problem)
        in_ch = shape[1] if down else shape[1] // 2
        stage = UNetStage(in_ch, out_ch, time_dim=8, downsample=down)
        expected = tuple(stage(torch.zeros(shape), torch.zeros(shape[0], dtype=torch.long)).shape)
        if tuple(got) != expected:
            return _report(False, f"{'down' if down else 'up'} stage on {shape} with out_ch={out_ch}: expected "
                                  f"{expected}, got {tuple(got)} (down halves H and W, up doubles them)")
    return _report(True, "down: (B, C_out, H/2, W/2); up: (B, C_out, 2H, 2W) from 2·C_in input channels")


def check_timestep_sampler(fn) -> CheckResult:
    """Lesson 06, exercise 1: ``fn(batch_size, T, generator)`` = t ~ Uniform{0, …, T−1}, a long tensor (B,)."""
    got, problem = _call(fn, 20_000, 10, torch.Generator().manual_seed(0))
    if problem:
        return _report(False, problem)
    if not isinstance(got, torch.Tensor) or got.shape != (20_000,) or got.dtype != torch.long:
        return _report(False, "return a long tensor of shape (batch_size,) — e.g. torch.randint(0, T, (B,), generator=g)")
    if int(got.min()) != 0 or int(got.max()) != 9:
        return _report(False, f"values must cover 0 … T−1 = 9 (0-based code indices); got {int(got.min())} … {int(got.max())}")
    counts = torch.bincount(got, minlength=10).double()
    # each count is Binomial(20000, 0.1): standard deviation 42; allow 5 of them
    if (counts - 2000).abs().max() > 5 * math.sqrt(20_000 * 0.1 * 0.9):
        return _report(False, f"t is not uniform: counts per step {counts.long().tolist()}")
    again, _ = _call(fn, 20_000, 10, torch.Generator().manual_seed(0))
    if not torch.equal(got, again):
        return _report(False, "use the generator you are given, so that a seed reproduces the draws")
    return _report(True, "t ~ Uniform{0, …, T−1}, one per example, from the given generator")


def check_ema_update(fn) -> CheckResult:
    """Lesson 06, exercise 2: ``fn(ema_value, value, decay)`` = decay·ema + (1 − decay)·value."""
    for ema, value, decay in ((1.0, 0.0, 0.9), (0.5, 2.0, 0.999), (3.0, 3.0, 0.5)):
        got, problem = _call(fn, ema, value, decay, number=True)
        if problem:
            return _report(False, problem)
        expected = decay * ema + (1 - decay) * value
        if abs(got - expected) > 1e-12:
            hint = " — decay weighs the old average, (1 − decay) the new value" if abs(got - ((1 - decay) * ema + decay * value)) < 1e-12 else ""
            return _report(False, f"ema={ema}, value={value}, decay={decay}: expected {expected:.6g}, got {got:.6g}{hint}")
    return _report(True, "ema ← decay·ema + (1 − decay)·value")


def check_simple_loss(fn) -> CheckResult:
    """Lesson 06, exercise 3: ``fn(eps, eps_pred)`` = mean of (ε − ε_θ)² over all elements (L_simple)."""
    g = torch.Generator().manual_seed(3)
    eps, pred = torch.randn(4, 1, 5, 5, generator=g), torch.randn(4, 1, 5, 5, generator=g)
    got, problem = _call(fn, eps, pred, number=True)
    if problem:
        return _report(False, problem)
    expected = ((eps - pred) ** 2).mean().item()
    if abs(got - expected) > 1e-6:
        if abs(got - ((eps - pred) ** 2).sum().item()) < 1e-3:
            hint = "that is the sum; L_simple is the mean (the sum scales the loss by C·H·W)"
        elif abs(got - (eps - pred).abs().mean().item()) < 1e-6:
            hint = "that is the mean absolute error; square the differences"
        else:
            hint = f"expected {expected:.6f}"
        return _report(False, hint)
    return _report(True, "L_simple = mean((ε − ε_θ)²)")


def check_reverse_step(fn) -> CheckResult:
    """Lesson 07, exercise 1: ``fn(x_t, eps, beta_t, alpha_bar_t, z, is_last)`` = one DDPM step (Algorithm 2,
    line 4): (x_t − β_t/√(1 − ᾱ_t)·ε)/√(1 − β_t) + √β_t·z, without the noise term when ``is_last``."""
    g = torch.Generator().manual_seed(4)
    x_t, eps, z = (torch.randn(6, 3, generator=g) for _ in range(3))
    for beta, alpha_bar, last in ((0.02, 0.3, False), (1e-4, 0.9999, True), (0.01, 0.05, False)):
        got, problem = _call(fn, x_t.clone(), eps.clone(), beta, alpha_bar, z.clone(), last)
        if problem:
            return _report(False, problem)
        if not isinstance(got, torch.Tensor) or got.shape != x_t.shape:
            return _report(False, f"return a tensor shaped like x_t {tuple(x_t.shape)}")
        got = got.to(x_t.dtype)
        mean = (x_t - beta / math.sqrt(1 - alpha_bar) * eps) / math.sqrt(1 - beta)
        expected = mean if last else mean + math.sqrt(beta) * z
        if not torch.allclose(got, expected, atol=1e-6):
            wrong = {
                "the last step (t = 1, code index 0) must not add noise: return the mean there": mean + math.sqrt(beta) * z,
                "the noise term is missing: add σ_t·z = √β_t·z except at the last step": mean,
                "ε is scaled by β_t/(1 − ᾱ_t); the coefficient is β_t/√(1 − ᾱ_t)":
                    (x_t - beta / (1 - alpha_bar) * eps) / math.sqrt(1 - beta) + (0 if last else math.sqrt(beta) * z),
                "σ_t z uses β_t; σ_t = √β_t": mean + (0 if last else beta * z),
                "the mean is divided by √ᾱ_t; it is divided by √α_t = √(1 − β_t)":
                    (x_t - beta / math.sqrt(1 - alpha_bar) * eps) / math.sqrt(alpha_bar) + (0 if last else math.sqrt(beta) * z),
            }
            hint = next((h for h, v in wrong.items() if torch.allclose(got, v, atol=1e-6)),
                        f"compare with (x_t − β/√(1 − ᾱ)·ε)/√(1 − β) + √β·z at beta={beta}, alpha_bar={alpha_bar}")
            return _report(False, hint)
    return _report(True, "x_{t−1} = (x_t − β_t/√(1 − ᾱ_t)·ε_θ)/√α_t + σ_t z, with z = 0 at the last step")


def check_posterior_variance(fn) -> CheckResult:
    """Lesson 07, exercise 2: ``fn(betas)`` = β̃_t = β_t (1 − ᾱ_{t−1})/(1 − ᾱ_t) for every 0-based index, with
    ᾱ_{−1} := 1 so that β̃ at index 0 is 0."""
    from .schedule import DiffusionSchedule

    for schedule in (DiffusionSchedule.linear(50, dtype=torch.float64), DiffusionSchedule.cosine(20, dtype=torch.float64)):
        got, problem = _call(fn, schedule.betas.clone())
        if problem:
            return _report(False, problem)
        if not isinstance(got, torch.Tensor) or got.shape != schedule.betas.shape:
            return _report(False, f"return a tensor of shape (T,) = {tuple(schedule.betas.shape)}")
        expected = schedule.posterior_variance
        if not torch.allclose(got.double(), expected, rtol=1e-6, atol=1e-12):
            if torch.allclose(got.double(), schedule.betas, rtol=1e-6):
                hint = "that is β_t itself; multiply by (1 − ᾱ_{t−1})/(1 − ᾱ_t)"
            elif abs(float(got[0])) > 1e-12:
                hint = f"at index 0, ᾱ_{{t−1}} is ᾱ_0 := 1, so β̃ there is 0; got {float(got[0]):.3g}"
            else:
                hint = f"expected {expected[:3].tolist()} … at the first three indices, got {got[:3].tolist()}"
            return _report(False, f"{schedule.name} schedule with T = {len(schedule)}: {hint}")
    return _report(True, "β̃_t = β_t (1 − ᾱ_{t−1})/(1 − ᾱ_t), zero at the first step, below β_t elsewhere")


def check_guided_eps(fn) -> CheckResult:
    """Lesson 07, exercise 3: ``fn(eps_cond, eps_uncond, w)`` = (1 + w)·ε_c − w·ε_∅ (classifier-free guidance)."""
    g = torch.Generator().manual_seed(5)
    cond, uncond = torch.randn(4, 1, 3, 3, generator=g), torch.randn(4, 1, 3, 3, generator=g)
    for w in (1.0, 0.0, 3.5):
        got, problem = _call(fn, cond.clone(), uncond.clone(), w)
        if problem:
            return _report(False, problem)
        if not isinstance(got, torch.Tensor) or got.shape != cond.shape:
            return _report(False, f"return a tensor shaped like eps_cond {tuple(cond.shape)}")
        got = got.to(cond.dtype)
        expected = (1 + w) * cond - w * uncond
        if not torch.allclose(got, expected, atol=1e-6):
            if torch.allclose(got, (1 + w) * uncond - w * cond, atol=1e-6):
                hint = "ε_c and ε_∅ are swapped: guidance moves towards the conditional prediction"
            elif torch.allclose(got, uncond + w * (cond - uncond), atol=1e-6):
                hint = ("that is ε_∅ + w(ε_c − ε_∅), the other convention: here w = 0 must give the conditional "
                        "model, so use s = 1 + w")
            else:
                hint = "w = 0 must return eps_cond; larger w moves further from eps_uncond"
            return _report(False, f"w={w}: {hint}")
    return _report(True, "ε̃ = (1 + w)·ε_c − w·ε_∅: w = 0 is the conditional model, w > 0 pushes towards the class")


def check_to_model_range(fn) -> CheckResult:
    """Lesson 08, exercise 1: ``fn(pixels)`` maps 8-bit pixels (uint8, 0 … 255) to the model's range [−1, 1]."""
    pixels = torch.tensor([[0, 1, 127, 128, 254, 255]], dtype=torch.uint8)
    got, problem = _call(fn, pixels.clone())
    if problem:
        return _report(False, problem)
    if not isinstance(got, torch.Tensor) or not got.is_floating_point() or got.shape != pixels.shape:
        return _report(False, "return a floating-point tensor shaped like pixels (convert with .float() first)")
    got = got.float()
    expected = pixels.float() / 127.5 - 1
    if not torch.allclose(got, expected, atol=1e-6):
        if torch.allclose(got, pixels.float() / 255, atol=1e-6):
            hint = "that is [0, 1] — the bug this lesson demonstrates; the model expects [−1, 1]"
        else:
            hint = f"0 must map to −1 and 255 to 1; got {got.min().item():.3g} … {got.max().item():.3g}"
        return _report(False, hint)
    return _report(True, "x = pixels/127.5 − 1: 0 → −1, 255 → 1")


def check_sampling_indices(fn) -> CheckResult:
    """Lesson 08, exercise 2: ``fn(T)`` = the 0-based indices a DDPM sampler visits, in order: T−1, …, 1, 0."""
    for T in (1, 5, 1000):
        got, problem = _call(fn, T)
        if problem:
            return _report(False, problem)
        try:
            got = [int(v) for v in got]
        except (TypeError, ValueError):
            return _report(False, "return a list (or range) of integers")
        expected = list(range(T - 1, -1, -1))
        if got != expected:
            if got == list(range(T, 0, -1)):
                hint = "those are the paper's steps T … 1; code indices are one less (T−1 … 0)"
            elif got == list(range(T - 1, 0, -1)):
                hint = "the last step, index 0, is missing: without it the sample keeps the noise of step 1"
            elif got == expected[::-1]:
                hint = "the sampler runs backwards in time: start at T−1"
            else:
                hint = f"expected {expected[:3]} … {expected[-2:]}, got {got[:3]} … {got[-2:]}"
            return _report(False, f"T={T}: {hint}")
    return _report(True, "indices T−1, T−2, …, 0: T steps, the last one (index 0) without noise")


def check_prior_mismatch_kl(fn) -> CheckResult:
    """Lesson 08, exercise 3: ``fn(alpha_bar_T, data_var)`` = KL(N(0, ᾱ_T v + 1 − ᾱ_T) ‖ N(0, 1)) in nats for
    zero-mean 1-D data of variance v: how far the last forward marginal is from the sampler's start N(0, 1)."""
    for alpha_bar, var in ((0.6, 0.36), (4e-5, 1.0), (0.9, 4.0)):
        got, problem = _call(fn, alpha_bar, var, number=True)
        if problem:
            return _report(False, problem)
        s2 = alpha_bar * var + 1 - alpha_bar
        expected = 0.5 * (s2 - 1 - math.log(s2))
        if abs(got - expected) > 1e-9 * max(1.0, abs(expected)):
            reverse = 0.5 * (1 / s2 - 1 + math.log(s2))
            hint = (" — that is KL(N(0,1) ‖ q); the order matters" if abs(got - reverse) < 1e-9
                    else f"; expected {expected:.6g} (KL(N(0,s²)‖N(0,1)) = (s² − 1 − ln s²)/2)")
            return _report(False, f"alpha_bar_T={alpha_bar}, data_var={var}: got {got:.6g}{hint}")
    return _report(True, "KL = (s² − 1 − ln s²)/2 with s² = ᾱ_T v + 1 − ᾱ_T: zero only when ᾱ_T v + 1 − ᾱ_T = 1")
