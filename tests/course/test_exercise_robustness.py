"""Every exercise check, of every lesson, against a battery of odd answers: none may raise, each prints one ✗ line
with a reason. Correct answers pass in float64 and in float32 (as a learner's loop over ``torch.empty`` makes)."""

import importlib
import inspect
import math

import numpy as np
import pytest
import torch

from ddpm_lessons import TimePositionalEncoding
from ddpm_lessons.course.exercises import feedback
from ddpm_lessons.data import toy_data

MODULES = [importlib.import_module(f"ddpm_lessons.course.exercises.lesson{n:02d}") for n in range(11)]
CHECKS = {
    name: fn
    for module in MODULES
    for name, fn in vars(module).items()
    if name.startswith("check_") and inspect.isfunction(fn) and fn.__module__ == module.__name__
}


def _shifted(emb, k):
    dim = emb.shape[1]
    half = dim // 2
    omega = torch.exp(torch.arange(half, dtype=emb.dtype) * -(math.log(10000) / (half - 1)))
    sin, cos = emb[:, :half], emb[:, half:]
    c, s = torch.cos(k * omega), torch.sin(k * omega)
    return torch.cat([sin * c + cos * s, cos * c - sin * s], dim=1)


def _embedding_distance(gap, dim):
    half = dim // 2
    omega = torch.exp(torch.arange(half, dtype=torch.float64) * -(math.log(10000) / (half - 1)))
    return 2 * torch.sin(gap[:, None] * omega / 2).pow(2).sum(dim=1).sqrt()  # 1 − cos x = 2 sin²(x/2)


def _typed_embedding(t, dim):  # exercise 2's stub: wavelengths 2π·10000^(i/half − 1)
    half = dim // 2
    angles = 2 * math.pi * t[:, None] / (2 * math.pi * 10000 ** (torch.arange(half) / half - 1))
    return torch.cat([angles.sin(), angles.cos()], dim=-1)


def _kept_minus_one(t, dim):  # a half fix: i/(half − 1) − 1
    half = dim // 2
    angles = 2 * math.pi * t[:, None] / (2 * math.pi * 10000 ** (torch.arange(half) / (half - 1) - 1))
    return torch.cat([angles.sin(), angles.cos()], dim=-1)


def _fast_twins(t, tol):  # ‖(sin s, cos s) − (sin t, cos t)‖ = 2|sin((s − t)/2)|
    s = torch.arange(1000)
    return s[(2 * torch.sin((s - t) / 2).abs() < tol) & (s != t)]


def _chain_coefficients(a, b):
    scale, variance = 1.0, 0.0
    for a_s, b_s in zip(a, b):  # one step of the chain: x ← a_s x + b_s ε
        scale, variance = scale * a_s, variance * a_s**2 + b_s**2
    return scale, variance


def _finds_bug(closed_form):
    n = 100_000
    x0 = torch.full((n,), 0.8, dtype=torch.float64)
    for alpha_bar in (0.9, 0.3):
        x_t = closed_form(x0, alpha_bar, torch.Generator().manual_seed(0))
        if abs(x_t.mean().item() - math.sqrt(alpha_bar) * 0.8) > 5 * math.sqrt((1 - alpha_bar) / n):
            return True
        if abs(x_t.var().item() - (1 - alpha_bar)) > 5 * (1 - alpha_bar) * math.sqrt(2 / (n - 1)):
            return True
    return False


def _fixed_loss(model, schedule, x0, t):
    noise = torch.randn_like(x0)
    x_t = schedule.sqrt_alphas_cumprod[t][:, None] * x0 + schedule.sqrt_one_minus_alphas_cumprod[t][:, None] * noise
    return ((noise - model(x_t, t)) ** 2).mean()


def _guided_eps(model, x_t, t, labels, guidance_scale):
    eps_cond = model(x_t, t, labels)
    eps_uncond = model(x_t, t, torch.full_like(labels, model.null_label))
    return eps_uncond + guidance_scale * (eps_cond - eps_uncond)


def _buggy_step(offset=0, root=True, noise_root=True, last=False, paper_last=False):
    """Lesson 08 exercise 2's reverse step with the slips asked for (the right step without any)."""

    def step(model, x, i, s, z):
        eps = model(x, torch.full((len(x),), i + offset))
        std = (1 - s.alphas_cumprod[i]).sqrt() if root else 1 - s.alphas_cumprod[i]
        sigma = s.betas[i].sqrt() if noise_root else s.betas[i]
        mean = (x - s.betas[i] / std * eps) / s.alphas[i].sqrt()
        noisy = i > 1 if paper_last else i > 0 or last  # paper_last: the paper's "z if t > 1" on the code index
        return mean + sigma * z if noisy else mean

    return step


# A correct answer for every check of lessons 00–10 (any correct form; the checks compare numbers).
SOLUTIONS = {
    "check_noise_std_at": lambda s, t: 0.0 if t == 0 else math.sqrt(1 - s.alphas_cumprod[t - 1].item()),
    "check_log_alpha_bar_T": lambda T, b1, bT: -T * (b1 + bT) / 2,
    "check_constant_beta_alpha_bar": lambda beta, t: math.exp(t * math.log1p(-beta)),
    "check_mean_distance": lambda t, s: math.sqrt(math.pi * t / 2) * s,
    "check_settled_mean_square": lambda b: b / (1 - (1 - b) ** 2),
    "check_gap_half_life": lambda b: math.log(2) / -math.log1p(-b),
    "check_gaussian_score": lambda x, c, v: (c - x) / v,
    "check_chain_coefficients": _chain_coefficients,
    "check_finds_bug": _finds_bug,
    "check_equal_power_step": lambda s, m0: int((1 - s.alphas_cumprod >= s.alphas_cumprod * m0).nonzero()[0]) + 1,
    "check_forward_jump": lambda at, a_s: (math.sqrt(at / a_s), (a_s - at) / a_s),
    "check_jump_mean_eps_form": lambda at, a_s: (
        1 / math.sqrt(at / a_s),
        -(1 - at / a_s) / (math.sqrt(at / a_s) * math.sqrt(1 - at)),
    ),
    "check_min_weight_step": lambda T, b1, bT: math.sqrt(2 * 1.2564312 * T / bT),
    "check_sum_from_random_steps": lambda term, T, n, g: T * term(torch.randint(1, T + 1, (n,), generator=g)).mean(),
    "check_jump_posterior_variance": lambda at, a_s: (1 - a_s) * (1 - at / a_s) / (1 - at),
    "check_variances_agree_step": lambda T, b1, bT, tol: next(
        t
        for t in range(2, T + 1)  # 1 − β̃_t/β_t = ᾱ_(t−1) β_t / (1 − ᾱ_t) ≤ tol, β_t linear, ᾱ as a product
        if math.prod(1 - b1 - (bT - b1) * s / (T - 1) for s in range(t - 1)) * (b1 + (bT - b1) * (t - 1) / (T - 1))
        <= tol * (1 - math.prod(1 - b1 - (bT - b1) * s / (T - 1) for s in range(t)))
    ),
    "check_embedding_distance": _embedding_distance,
    "check_fixed_embedding": lambda t, dim: TimePositionalEncoding(dim)(t),
    "check_fast_twins": _fast_twins,
    "check_shifted_embedding": _shifted,
    "check_stage_parameters": lambda i, o, t, k, d: (i if d else 2 * i) * o * k * k + 25 * o * o + t * o + 8 * o,
    "check_receptive_field": lambda n: 3 + 7 * (2**n - 1),
    "check_conv_macs": lambda i, o, k, h, w: i * o * k * k * h * w,
    "check_ema_window": lambda d: (1 + d) / (1 - d),
    "check_fixed_loss": _fixed_loss,
    "check_gaussian_loss_floor": lambda a, s2: a * s2 / (a * s2 + 1 - a),
    "check_best_x0_mse": lambda ab, s2: 1 / (1 / s2 + ab / (1 - ab)),  # precisions add
    "check_no_noise_variance": lambda b, d: (
        (1 - b / (torch.cumprod(1 - b, 0) * d + 1 - torch.cumprod(1 - b, 0))) ** 2 / (1 - b)
    ).prod(),
    "check_ddim_variance": lambda a: ((a[:-1] * a[1:]).sqrt() + ((1 - a[:-1]) * (1 - a[1:])).sqrt()).prod() ** 2,
    "check_diffusers_guidance": _guided_eps,
    "check_ddim_step_coefficients": lambda ab, abp, sigma: (
        math.sqrt(abp / ab),
        math.sqrt(1 - abp - sigma**2) - math.sqrt(abp * (1 - ab) / ab),
    ),
    "check_bug_noise_level": lambda a: a / (a + (1 - a) ** 2),
    "check_reverse_step": lambda model, x, i, s, z: (
        (x - s.betas[i] / (1 - s.alphas_cumprod[i]).sqrt() * model(x, torch.full((len(x),), i))) / s.alphas[i].sqrt()
        + (s.betas[i].sqrt() * z if i > 0 else 0)
    ),
    "check_prior_mismatch_kl": lambda a, v: 0.5 * (a * v - a - math.log(a * v + 1 - a)),
    "check_prior_kl_with_mean": lambda a, m, v: 0.5 * (a * v - a + a * m * m - math.log(a * v + 1 - a)),
    "check_conditional_velocity": lambda x, x0, a, b, da, db: da * x0 + db * (x - a * x0) / b,
    "check_noise_free_ink": lambda: 0.05 / math.sqrt(0.05**2 + 0.5**2),
    "check_injected_noise": lambda n, g: g**2 / n,
    "check_heun_factor": lambda z: 1 + z + z * z / 2,
    "check_heun_step": lambda y, s, s1, d: y + (s1 - s) * 0.5 * (d(y, s) + d(y + (s1 - s) * d(y, s), s1)),
    # lesson 10's capstone takes samples, or a function of no arguments returning them: fresh data are correct
    "check_capstone": lambda: 0.6 * toy_data("gaussian_mixture", 1000, seed=5),
}

# Lessons 00–04 have a solution here for every check (later lessons' new checks are battery-tested below).
OWN = [name for name, fn in CHECKS.items() if fn.__module__[-2:] in ("00", "01", "02", "03", "04")]


def _raises(*args):
    raise ValueError("the learner's own bug")


def _returns(value):
    def answer(*args):
        return value

    answer.__name__ = f"returns_{type(value).__name__}"
    return answer


ODD_ANSWERS = {
    "None": _returns(None),
    "a string": _returns("x_t"),
    "a list": _returns([1.0, 2.0, 3.0]),
    "a ragged list": _returns([[1.0], [2.0, 3.0]]),
    "a dict": _returns({"x": 1.0}),
    "an object": _returns(object()),
    "a bool": _returns(True),
    "nan": _returns(float("nan")),
    "inf": _returns(float("inf")),
    "a complex number": _returns(1 + 2j),
    "an empty tensor": _returns(torch.empty(0)),
    "a 5-D tensor": _returns(torch.zeros(2, 3, 4, 5, 6)),
    "a nan tensor": _returns(torch.full((3,), float("nan"))),
    "a complex tensor": _returns(torch.zeros(3, dtype=torch.complex64)),
    "a tensor on another device": _returns(torch.zeros(3, device="meta")),
    "a tensor that needs grad": _returns(torch.zeros(3, requires_grad=True)),
    "a numpy array": _returns(np.zeros((2, 2))),
    "a pair of None": _returns((None, None)),
    "a triple": _returns((1.0, 2.0, 3.0)),
    "a function": _returns(lambda: 0),
    "a generator": _returns(v for v in range(3)),
    "an exception inside": _raises,
    "the wrong number of arguments": lambda: 0,
}


def _float32(solution):
    """The same answer computed in float32, as with inputs cast to float32 or a loop filling torch.empty."""

    def down(value):
        if isinstance(value, torch.Tensor) and value.is_floating_point():
            return value.float()
        if isinstance(value, float):
            return np.float32(value)
        if isinstance(value, tuple):
            return tuple(down(v) for v in value)
        return value

    def answer(*args):
        return down(solution(*(down(a) for a in args)))

    return answer


def test_every_check_of_lessons_00_to_04_has_a_solution_here():
    assert OWN and set(OWN) <= set(SOLUTIONS)
    assert len(CHECKS) >= 29


@pytest.mark.parametrize("name", sorted(set(SOLUTIONS) & set(CHECKS)))
def test_correct_answers_pass_in_float64_and_float32(name, capsys):
    check = CHECKS[name]
    assert check(SOLUTIONS[name]), capsys.readouterr().out
    assert check(_float32(SOLUTIONS[name])), f"a float32 answer is rejected: {capsys.readouterr().out}"
    assert capsys.readouterr().out.startswith("✓")


@pytest.mark.parametrize("answer", ODD_ANSWERS.values(), ids=ODD_ANSWERS.keys())
@pytest.mark.parametrize("name", sorted(CHECKS))
def test_no_check_raises_on_an_odd_answer(name, answer, capsys):
    result = CHECKS[name](answer)
    out = capsys.readouterr().out
    assert isinstance(result, feedback.CheckResult) and not result, out
    assert out.startswith("✗ ") and out.count("\n") == 1 and len(out) > 20, out
    assert "Traceback" not in out


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_passing_a_value_instead_of_the_function(name, capsys):
    assert not CHECKS[name](0.5)
    assert "pass your function itself" in capsys.readouterr().out


def test_the_loop_answer_from_the_issue_passes(capsys):
    """A learner's ᾱ by a loop into torch.empty (float32) once raised 'Float did not match Double'."""

    def chain_coefficients(a, b):
        scale, variance = torch.ones((), dtype=torch.float32), torch.zeros((), dtype=torch.float32)
        for a_s, b_s in zip(a.float(), b.float()):
            scale, variance = scale * a_s, variance * a_s**2 + b_s**2
        return scale, variance

    assert CHECKS["check_chain_coefficients"](chain_coefficients), capsys.readouterr().out

    def no_noise_variance(betas, data_var):
        alpha_bar, variance = torch.empty(len(betas)), torch.ones(())  # float32, filled by a loop
        for i, beta in enumerate(betas.float()):
            alpha_bar[i] = (alpha_bar[i - 1] if i else 1.0) * (1 - beta)
            v = alpha_bar[i] * data_var + 1 - alpha_bar[i]
            variance = variance * ((1 - beta / v) / torch.sqrt(1 - beta)) ** 2
        return variance

    assert CHECKS["check_no_noise_variance"](no_noise_variance), capsys.readouterr().out


MISTAKES = [
    ("check_constant_beta_alpha_bar", lambda b, t: 1 - t * b, "adds the betas"),
    ("check_constant_beta_alpha_bar", lambda b, t: math.exp(-t * b), "small-β approximation"),
    ("check_gaussian_score", lambda x, c, v: (x - c) / v, "sign is flipped"),
    ("check_gaussian_score", lambda x, c, v: -(x - c) / (2 * v), "the 2 cancels"),
    ("check_gaussian_score", lambda x, c, v: -(x - c) / math.sqrt(v), "not by the standard deviation"),
    ("check_forward_jump", lambda at, a_s: (math.sqrt(at / a_s), a_s - at), "do not subtract"),
    ("check_forward_jump", lambda at, a_s: (at / a_s, 1 - at / a_s), "square root"),
    ("check_jump_posterior_variance", lambda at, a_s: 1 - at / a_s, "jump's own variance"),
    ("check_jump_posterior_variance", lambda at, a_s: 1 - a_s, "conditioning on x_t shrinks it"),
    ("check_jump_posterior_variance", lambda at, a_s: 1 / (at / (1 - at / a_s) + 1 / (1 - a_s)), "square"),
    ("check_shifted_embedding", lambda e, k: e, "unchanged"),
    ("check_shifted_embedding", lambda e, k: _shifted(e, -k), "PE(t − k)"),
    ("check_embedding_distance", lambda g, d: _embedding_distance(g, d) ** 2, "squared distance"),
    ("check_embedding_distance", lambda g, d: _embedding_distance(g, d) / math.sqrt(d // 2), "unit vectors"),
    ("check_embedding_distance", lambda g, d: _embedding_distance(g, d) / math.sqrt(2), "both norms count"),
    ("check_embedding_distance", lambda g, d: _embedding_distance(2 * g, d), "half the angle"),
    ("check_fixed_embedding", _typed_embedding, "measure first"),
    ("check_fixed_embedding", _kept_minus_one, "nearly unrelated vectors"),
    ("check_fast_twins", lambda t, tol: torch.cat([_fast_twins(t, tol), torch.tensor([t])]), "leave t itself out"),
    (
        "check_fast_twins",
        lambda t, tol: [s for s in range(1000) if s != t and abs(math.sin(s) - math.sin(t)) < tol],
        "sines alone",
    ),
    (
        "check_embedding_distance",
        lambda g, d: (TimePositionalEncoding(d)(g) - TimePositionalEncoding(d)(0 * g)).norm(dim=1),
        "beyond what TimePositionalEncoding accepts",
    ),
    (
        "check_shifted_embedding",
        lambda e, k: _shifted(e, k) * e.norm(dim=1, keepdim=True) / math.sqrt(e.shape[1] // 2),
        "not linear",
    ),
    ("check_fixed_embedding", lambda t, d: _shifted(TimePositionalEncoding(d)(t), 0).roll(d // 2, 1), "[cos | sin]"),
    (
        "check_jump_mean_eps_form",
        lambda at, a_s: (1 / math.sqrt(at / a_s), -(1 - at / a_s) / math.sqrt(1 - at)),
        "lost it",
    ),
    (
        "check_jump_mean_eps_form",
        lambda at, a_s: (1 / math.sqrt(at / a_s), -(1 - at / a_s) / math.sqrt(at / a_s)),
        "not 1 − ᾱ_t",
    ),
    ("check_min_weight_step", lambda T, b1, bT: 2, "largest, not smallest"),
    (
        "check_sum_from_random_steps",
        lambda term, T, n, g: term(torch.randint(1, T, (n,), generator=g)).mean(),
        "two slips: your estimate is close to the mean",
    ),
    (
        "check_sum_from_random_steps",
        lambda term, T, n, g: T * term(torch.randint(1, T, (n,), generator=g)).mean(),
        "never T = 5",
    ),
    ("check_variances_agree_step", lambda T, b1, bT, tol: 2 / tol, "it saturates"),
    ("check_variances_agree_step", lambda T, b1, bT, tol: T, "long before the end"),
    ("check_min_weight_step", lambda T, b1, bT: math.sqrt(2 * math.log(2) * T / bT), "ᾱ_t ≈ ½"),
    ("check_noise_std_at", lambda s, t: (1 - s.alphas_cumprod[t]).item(), "both bugs"),
    ("check_noise_std_at", lambda s, t: (1 - s.alphas_cumprod[t - 1]).sqrt(), "index −1"),
    ("check_noise_std_at", lambda s, t: 1 - s.alphas_cumprod[t - 1] if t else 0.0, "square root"),
    ("check_log_alpha_bar_T", lambda T, b1, bT: -T * (b1 + bT), "factor ½"),
    ("check_log_alpha_bar_T", lambda T, b1, bT: math.exp(-T * (b1 + bT) / 2), "its logarithm"),
    ("check_mean_distance", lambda t, s: t * s * math.sqrt(math.pi / 2), "do not add"),
    ("check_mean_distance", lambda t, s: math.sqrt(2 * t) * s, "root-mean-square"),
    ("check_settled_mean_square", lambda b: 1.0, "correct step"),
    ("check_settled_mean_square", lambda b: 0.5, "small-β limit"),
    ("check_gap_half_life", lambda b: math.log(2) / b, "−ln(1 − β) ≈ β"),
    ("check_chain_coefficients", lambda a, b: (a.prod(), (b**2).sum()), "shrunk by every later step"),
    ("check_chain_coefficients", lambda a, b: (a.prod(), 1 - a.prod() ** 2), "b's are free"),
    ("check_finds_bug", lambda f: True, "calls a right closed form wrong"),
    ("check_equal_power_step", lambda s, m0: int((s.alphas_cumprod <= 0.5).nonzero()[0]) + 1, "right for E[x₀²] = 1"),
    ("check_equal_power_step", lambda s, m0: int((1 - s.alphas_cumprod >= s.alphas_cumprod * m0).nonzero()[0]), "code"),
    ("check_finds_bug", lambda f: False, "misses a wrong closed form"),
    ("check_no_noise_variance", lambda b, d: torch.cumprod(1 - b.float(), 0)[-1], "the answer for data N(0, 1)"),
    (
        "check_ddim_step_coefficients",
        lambda ab, abp, sigma: (math.sqrt(abp / ab), math.sqrt(1 - abp) - math.sqrt(abp * (1 - ab) / ab)),
        "not 1 − ᾱ_{t′}",
    ),
    (
        "check_ddim_step_coefficients",
        lambda ab, abp, sigma: (math.sqrt(abp / ab), math.sqrt(1 - abp - sigma**2)),
        "x̂₀ carries ε_θ too",
    ),
    (
        "check_stage_parameters",
        lambda i, o, t, k, d: (i if d else 2 * i) * o * k * k + 25 * o * o + t * o + 4 * o,
        "short",
    ),
    ("check_stage_parameters", lambda i, o, t, k, d: i * o * k * k + 25 * o * o + t * o + 8 * o, "2·in_ch"),
    ("check_receptive_field", lambda n: 1 + 3 * (2**n - 1), "not only the stride-2"),
    ("check_receptive_field", lambda n: 3 + 7 * n, "product of the strides"),
    ("check_best_x0_mse", lambda ab, s2: s2, "always answering the mean"),
    ("check_best_x0_mse", lambda ab, s2: ab * s2 / (ab * s2 + 1 - ab), "exercise 3's ε-floor"),
    ("check_best_x0_mse", lambda ab, s2: (1 - ab) / ab, "answers ε = 0"),
    ("check_best_x0_mse", lambda ab, s2: 1 / (1 / s2 + 1 / (1 - ab)), "x_t/√ᾱ, not x_t"),
    ("check_best_x0_mse", lambda ab, s2: s2 + (1 - ab) / ab, "adding precisions"),
    ("check_bug_noise_level", lambda a: a, "variance (1 − ᾱ_t)²"),
    ("check_bug_noise_level", lambda a: a / (1 - a) ** 2, "solve that for ᾱ′"),
    ("check_bug_noise_level", lambda a: math.sqrt(a) / (math.sqrt(a) + 1 - a), "ratio of variances"),
    ("check_reverse_step", _buggy_step(offset=1), "at code index 999 your step asked the network for index 1000"),
    ("check_reverse_step", _buggy_step(offset=-1), "at code index 0 your step asked the network for index -1"),
    ("check_reverse_step", _buggy_step(root=False), "grows as t → 0"),
    ("check_reverse_step", _buggy_step(last=True), "code index 0 (the last step) is random"),
    ("check_reverse_step", _buggy_step(paper_last=True), "code index 1 does not change with z"),
    ("check_reverse_step", _buggy_step(noise_root=False), "smaller than σ_t² = β_t asks for"),
]


@pytest.mark.parametrize("name, answer, hint", MISTAKES, ids=[f"{m[0]}:{m[2]}" for m in MISTAKES])
def test_named_mistakes_are_caught_even_in_float32(name, answer, hint, capsys):
    assert not CHECKS[name](answer)
    assert hint in capsys.readouterr().out


def test_answers_written_with_torch_functions_pass_like_answers_written_with_math():
    """The lessons' numbers are 0-d tensors, so learners write torch.sqrt / torch.log; a check that hands them a
    Python float retries with 0-d float64 tensors instead of reporting torch's TypeError (issue 21's learner review)."""
    from ddpm_lessons.course.exercises import lesson00, lesson01, lesson02, lesson03, lesson08

    def log_alpha_bar_T(T, beta_1, beta_T):
        return torch.log1p(-torch.linspace(beta_1, beta_T, T)).sum()

    def settled_mean_square(beta):
        return 1 / (2 - beta) * torch.ones(())

    def forward_jump(alpha_bar_t, alpha_bar_s):
        return torch.sqrt(alpha_bar_t / alpha_bar_s), 1 - alpha_bar_t / alpha_bar_s

    def jump_mean_eps_form(alpha_bar_t, alpha_bar_s):
        r = alpha_bar_t / alpha_bar_s
        return 1 / torch.sqrt(r), -(1 - r) / (torch.sqrt(r) * torch.sqrt(1 - alpha_bar_t))

    def prior_mismatch_kl(alpha_bar_T, data_var):
        s2 = alpha_bar_T * data_var + 1 - alpha_bar_T
        return 0.5 * (s2 - 1 - torch.log(s2))

    for check, answer in (
        (lesson00.check_log_alpha_bar_T, log_alpha_bar_T),
        (lesson01.check_settled_mean_square, settled_mean_square),
        (lesson02.check_forward_jump, forward_jump),
        (lesson03.check_jump_mean_eps_form, jump_mean_eps_form),
        (lesson08.check_prior_mismatch_kl, prior_mismatch_kl),
    ):
        assert check(answer), check.__name__


def test_a_float_argument_is_retried_as_a_tensor_only_after_a_type_error():
    seen = []

    def records_its_argument(beta):
        seen.append(type(beta))
        return math.sqrt(beta)

    assert feedback.call_answer(records_its_argument, 0.25, number=True) == (0.5, None)
    assert seen == [float]

    def wrong_everywhere(beta):
        return torch.sqrt(beta) + "x"

    _, message = feedback.call_answer(wrong_everywhere, 0.25)
    assert "TypeError" in message and "sqrt" in message  # the first error, the one the learner's float call raised
