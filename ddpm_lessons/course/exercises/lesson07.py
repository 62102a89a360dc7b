"""Exercise checks for lessons 07a and 07b (sampling): each prints ✓ or ✗ with the likely mistake.

Lesson 07a, exercise 1 derives the variance DDPM's mean step alone leaves of Gaussian data. Lesson 07b: exercise 1
predicts the variance DDIM keeps in a few steps and runs the sampler, 2 finds the two bugs in a guidance function
ported from diffusers (the check describes symptoms; ``hint=True`` says what it saw), 3 derives DDIM's step as
a·x_t + b·ε_θ + σz for any σ and shows that η = 1 is DDPM's step."""

from __future__ import annotations

import math

import torch

from ..language import tr
from .feedback import (
    CheckResult,
    call_answer,
    close,
    number_answer,
    report,
    robust_check,
    tensor_answer,
    type_name,
    which_mistake,
)

__all__ = [
    "check_no_noise_variance",
    "check_ddim_variance",
    "check_diffusers_guidance",
    "check_ddim_step_coefficients",
]


def _no_noise_slips(betas: torch.Tensor, data_var: float) -> dict:
    """The likely wrong answers of lesson 07a's exercise 1, hint → the value that slip gives (float64)."""
    alpha_bar = torch.cumprod(1 - betas, 0)
    v = alpha_bar * data_var + 1 - alpha_bar
    c = (1 - betas / v) / (1 - betas).sqrt()
    return {
        tr(
            " — that is ᾱ_T, the answer for data N(0, 1): with Var(x_0) = s² the variance of x_t is v_t = ᾱ_t s² + 1 − ᾱ_t"
        ): alpha_bar[-1],
        tr(" — that is the standard deviation; the variance is its square"): (c**2).prod().sqrt(),
        tr(" — conditioning divides the covariance by the variance: ε* = √(1 − ᾱ_t)·x_t/v_t, not /√v_t"): (
            (1 - betas / v.sqrt()) ** 2 / (1 - betas)
        ).prod(),
        tr(" — line 4's mean is divided by √α_t: each step multiplies x_t by (1 − β_t/v_t)/√α_t"): (
            (1 - betas / v) ** 2
        ).prod(),
        tr(
            " — that is the data's own variance, what Algorithm 2 with z returns; the mean step alone does not keep it"
        ): torch.tensor(data_var),
        tr(
            " — that is 1: Algorithm 2 keeps unit variance with z; without z every step only multiplies x_t by c_t"
        ): torch.tensor(1.0),
    }


@robust_check
def check_no_noise_variance(fn) -> CheckResult:
    """Lesson 07a, exercise 1 (derive): ``fn(betas, data_var)`` = Var(x_0) that DDPM's mean step alone (line 4 without
    σ_t z) leaves of data N(0, s²), s² = ``data_var``, one coordinate, with the exact noise predictor and x_T ~ N(0, 1):
    ∏_t c_t² with c_t = (1 − β_t/v_t)/√α_t and v_t = ᾱ_t s² + 1 − ᾱ_t."""
    from ...schedule import DiffusionSchedule

    for schedule, data_var in (
        (DiffusionSchedule.linear(1000, dtype=torch.float64), 0.25),
        (DiffusionSchedule.linear(200, dtype=torch.float64), 4.0),
        (DiffusionSchedule.cosine(100, dtype=torch.float64), 0.5),
    ):
        betas = schedule.betas
        alpha_bar = torch.cumprod(1 - betas, 0)
        v = alpha_bar * data_var + 1 - alpha_bar
        expected = float((((1 - betas / v) / (1 - betas).sqrt()) ** 2).prod())
        got, problem = call_answer(fn, betas.clone(), data_var, number=True)
        if problem:
            return report(False, problem)
        if close(got, expected, rtol=1e-3, atol=0):
            continue
        hint = which_mistake(got, _no_noise_slips(betas, data_var), rtol=1e-3, atol=0)
        return report(
            False,
            tr(
                "{schedule} schedule, T = {T}, data variance s² = {data_var}: expected {expected:.4g}, got "
                "{got:.4g}{hint}",
                schedule=schedule.name,
                T=len(schedule),
                data_var=data_var,
                expected=expected,
                got=got,
                hint=hint,
            ),
        )
    return report(
        True,
        tr(
            "ε* = √(1 − ᾱ_t)·x_t/v_t, so each mean step multiplies x_t by c_t = (1 − β_t/v_t)/√α_t and "
            "Var(x_0) = ∏ c_t², far below s² for data of unit order: z puts the spread back"
        ),
    )


def _ddim_factors(levels: torch.Tensor) -> torch.Tensor:
    """What one DDIM step (η = 0) with the exact ε* of N(0, 1) data multiplies x by, from each level to the next:
    x̂_0 = √ᾱ x and ε* = √(1 − ᾱ) x, so x' = (√(ᾱ'ᾱ) + √((1 − ᾱ')(1 − ᾱ))) x."""
    a, b = levels[:-1], levels[1:]
    return (a * b).sqrt() + ((1 - a) * (1 - b)).sqrt()


def _ddim_variance_slips(levels: torch.Tensor) -> dict:
    a, b = levels[:-1], levels[1:]
    c = _ddim_factors(levels)
    return {
        tr(
            " — that is 1, the probability-flow ODE's answer in the limit of small steps; a finite DDIM step "
            "multiplies x by √(ᾱ′ᾱ) + √((1 − ᾱ′)(1 − ᾱ)) < 1"
        ): torch.tensor(1.0),
        tr(" — that is the factor on x, the standard deviation's; the variance is its square"): c.prod(),
        tr(
            " — you added the variances of the two terms as if ε_θ were fresh noise; here ε* = √(1 − ᾱ)·x is x "
            "itself, so the two coefficients add before squaring"
        ): (a * b + (1 - a) * (1 - b)).prod(),
        tr(" — the direction term √(1 − ᾱ′)·ε_θ is missing: x̂_0 alone is pulled to 0"): (a * b).prod(),
        tr(" — the last step, to ᾱ = 1 (x_0), is missing: the chain ends at the data"): (c[:-1] ** 2).prod(),
    }


def _ddim_run(schedule, steps: int) -> tuple[torch.Tensor, float]:
    """(the levels a DDIM-``steps`` chain visits, from x_T's ᾱ to 1.0; Var(x_0)/Var(x_T) of the package's sampler
    run with the exact ε* of N(0, 1) data)."""
    from ...data import GaussianMixture
    from ...sampling import ddim_timesteps, sample_trajectory
    from ...score import MixtureEps

    T = len(schedule)
    pairs = ddim_timesteps(T, steps)
    starts = schedule.alphas_cumprod.to(torch.float64)[[t for t, _ in pairs]]
    levels = torch.cat([starts, torch.ones(1, dtype=torch.float64)])
    exact = MixtureEps(GaussianMixture([1.0], [[0.0]], [1.0]), schedule)
    x0, path = sample_trajectory(exact, schedule, (64, 1), [T - 1], method="ddim", steps=steps, seed=0, progress=False)
    return levels, float(((x0 / path[T - 1]) ** 2).mean())


@robust_check
def check_ddim_variance(fn) -> CheckResult:
    """Lesson 07b, exercise 1 (predict, then run): ``fn(alpha_bars)`` = the predicted Var(x_0) of DDIM (η = 0) with
    the exact ε* of data N(0, 1), x_T ~ N(0, 1), along a chain that visits the levels ``alpha_bars`` (1-D, from
    x_T's ᾱ down to 1.0 for x_0). The check runs the package's sampler on that chain and compares."""
    from ...schedule import DiffusionSchedule

    for schedule, steps in (
        (DiffusionSchedule.linear(1000), 10),
        (DiffusionSchedule.linear(1000), 50),
        (DiffusionSchedule.cosine(1000), 10),
    ):
        levels, ran = _ddim_run(schedule, steps)
        got, problem = call_answer(fn, levels.clone(), number=True)
        if problem:
            return report(False, problem)
        if close(got, ran, rtol=1e-3, atol=0):
            continue
        hint = which_mistake(got, _ddim_variance_slips(levels), rtol=1e-3, atol=0)
        return report(
            False,
            tr(
                "DDIM-{steps} on the {schedule} schedule: your prediction {got:.4g}, the run {ran:.4g}{hint}",
                steps=steps,
                schedule=schedule.name,
                got=got,
                ran=ran,
                hint=hint,
            ),
        )
    return report(
        True,
        tr(
            "each DDIM step multiplies x by √(ᾱ′ᾱ) + √((1 − ᾱ′)(1 − ᾱ)) = cos(θ − θ′) (ᾱ = cos²θ), below 1: "
            "few large steps lose variance even with a perfect network"
        ),
    )


class _RecordingModel(torch.nn.Module):
    """A stand-in conditional ε-model for lesson 07b's exercise 2: a known, different prediction for every label, and a record
    of the labels it was asked for. Its null label is 10, as the course's digit model's."""

    null_label = 10

    def __init__(self):
        super().__init__()
        self.asked: list[torch.Tensor] = []

    def forward(self, x, t, labels):
        labels = torch.as_tensor(labels)
        self.asked.append(labels.detach().clone())
        shape = (-1,) + (1,) * (x.dim() - 1)
        label = labels.to(x.dtype).reshape(shape)
        return torch.tanh(x) * (1 + 0.1 * label) + 0.05 * label + 1e-4 * torch.as_tensor(t).to(x.dtype).reshape(shape)


def _guidance_symptoms(got, model, x, t, labels, scale: float) -> str:
    """What the learner's guided ε did, read from the labels it asked for and the value it returned: symptoms, not
    the fix (the learner finds the lines)."""
    others = [asked for asked in model.asked if asked.shape == labels.shape and not torch.equal(asked, labels)]
    if not others:
        return tr(" — your function never asks the model for a prediction without the digits' labels")
    unconditional = others[0]
    symptoms = []
    if bool((unconditional == 0).all()):
        symptoms.append(
            tr(
                " — its unconditional call asks the model for label 0, which is the digit 0 for this model: which "
                "label stood for 'no label' when labels were dropped in training?"
            )
        )
    elif not bool((unconditional == model.null_label).all()):
        symptoms.append(
            tr(
                " — its unconditional call asks the model for labels {asked}: which label stood for 'no label' when "
                "labels were dropped in training?",
                asked=unconditional.tolist(),
            )
        )
    with torch.no_grad():
        cond, uncond = model(x, t, labels), model(x, t, unconditional)
    if close(got, (1 + scale) * cond - scale * uncond, rtol=1e-5, atol=1e-6):
        symptoms.append(
            tr(
                " — with its two predictions it returns ε_c + γ·(ε_c − ε_∅): one unit of guidance more than "
                "ε_∅ + γ·(ε_c − ε_∅)"
            )
        )
    elif not close(got, uncond + scale * (cond - uncond), rtol=1e-5, atol=1e-6):
        symptoms.append(tr(" — with its two predictions it does not return ε_∅ + γ·(ε_c − ε_∅) either"))
    return "".join(symptoms)


@robust_check
def check_diffusers_guidance(fn, hint: bool = False) -> CheckResult:
    """Lesson 07b, exercise 2 (find the bug): ``fn(model, x_t, t, labels, guidance_scale)`` = classifier-free guidance
    as diffusers writes it, ε_∅ + γ·(ε_c − ε_∅) with ε_∅ the prediction for ``model.null_label`` (γ = 1: no
    guidance; this lesson's w = γ − 1). Checked with a stand-in model that records the labels it is asked for. A
    find-the-bug check: by default it says only that the result is wrong; ``hint=True`` adds what the check saw (the
    labels asked for, the combination returned)."""
    generator = torch.Generator().manual_seed(9)
    x = torch.randn(5, 1, 4, 4, generator=generator)
    t = torch.tensor([999, 600, 250, 20, 0])
    labels = torch.tensor([3, 7, 0, 9, 5])
    for scale in (1.0, 3.0, 7.5):
        model = _RecordingModel()
        got, problem = call_answer(fn, model, x.clone(), t.clone(), labels.clone(), scale)
        if problem:
            return report(False, problem)
        got, shape_problem = tensor_answer(got, x, tr("the result"))
        if shape_problem:
            return report(False, tr("{problem}: return a tensor shaped like x_t", problem=shape_problem))
        with torch.no_grad():
            cond = model(x, t, labels)
            uncond = model(x, t, torch.full_like(labels, model.null_label))
        if close(got, uncond + scale * (cond - uncond), rtol=1e-5, atol=1e-6):
            continue
        model.asked = model.asked[:-2]  # the learner's calls only
        if not hint:  # the exercise is to find the lines: say that the result is wrong, not why
            return report(
                False,
                tr(
                    "guidance_scale={scale}: expected ε_∅ + γ·(ε_c − ε_∅), which is ε_c itself at γ = 1 (no "
                    "guidance); your function returns something else. Stuck? hint=True describes what the check saw",
                    scale=scale,
                ),
            )
        return report(
            False,
            tr(
                "guidance_scale={scale}: expected ε_∅ + γ·(ε_c − ε_∅), which is ε_c itself at scale 1 (no guidance){hint}",
                scale=scale,
                hint=_guidance_symptoms(got, model, x, t, labels, scale),
            ),
        )
    return report(
        True,
        tr(
            "ε_∅ + γ·(ε_c − ε_∅) with ε_∅ from the null label: diffusers' scale γ is this lesson's w = γ − 1 "
            "(scale 3 is w = 2)"
        ),
    )


def _ddim_coefficients(alpha_bar: float, alpha_bar_prev: float, sigma: float) -> tuple[float, float]:
    """(a, b) of DDIM's step written as x_{t′} = a·x_t + b·ε_θ + σz: eq. 12 with x̂₀ = (x_t − √(1 − ᾱ_t)ε_θ)/√ᾱ_t."""
    a = math.sqrt(alpha_bar_prev / alpha_bar)
    return a, math.sqrt(1 - alpha_bar_prev - sigma**2) - a * math.sqrt(1 - alpha_bar)


def _ddim_coefficient_slips(alpha_bar: float, alpha_bar_prev: float, sigma: float) -> dict:
    """The likely wrong pairs of lesson 07b's exercise 3, hint → the (a, b) that slip gives."""
    a, b = _ddim_coefficients(alpha_bar, alpha_bar_prev, sigma)
    carried = a * math.sqrt(1 - alpha_bar)  # the ε that x̂₀ takes out of x_t, put back at the earlier level
    direction = math.sqrt(1 - alpha_bar_prev - sigma**2)
    return {
        tr(" — the direction term's variance is 1 − ᾱ_{t′} − σ², not 1 − ᾱ_{t′}: σz adds σ² back"): (
            a,
            math.sqrt(1 - alpha_bar_prev) - carried,
        ),
        tr(" — x̂₀ carries ε_θ too: (x_t − √(1 − ᾱ_t)·ε_θ)/√ᾱ_t puts a second ε_θ term into b"): (a, direction),
        tr(" — x̂₀ subtracts the noise: its ε_θ term enters b with a minus sign"): (a, direction + carried),
        tr(" — x̂₀ divides x_t by √ᾱ_t: a is √(ᾱ_{t′}/ᾱ_t), not √ᾱ_{t′}"): (
            math.sqrt(alpha_bar_prev),
            direction - math.sqrt(alpha_bar_prev * (1 - alpha_bar)),
        ),
        tr(" — a is √(ᾱ_{t′}/ᾱ_t), above 1: the earlier level keeps more of the signal, so x_t is scaled up"): (
            1 / a,
            b,
        ),
        tr(" — the pair is (a, b): the coefficient on x_t first, then the one on ε_θ"): (b, a),
    }


def _ddim_pair(fn, alpha_bar: float, alpha_bar_prev: float, sigma: float):
    """The learner's (a, b) as a float64 tensor of shape (2,), or (None, message)."""
    got, problem = call_answer(fn, alpha_bar, alpha_bar_prev, sigma)
    if problem:
        return None, problem
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        return None, tr("return a pair (a, b) of numbers, got {kind}", kind=type_name(got))
    numbers = []
    for value, name in zip(got, ("a", "b")):
        number, problem = number_answer(value, name)
        if problem:
            return None, problem
        numbers.append(number)
    return torch.tensor(numbers, dtype=torch.float64), None


@robust_check
def check_ddim_step_coefficients(fn) -> CheckResult:
    """Lesson 07b, exercise 3 (derive): ``fn(alpha_bar_t, alpha_bar_prev, sigma)`` = (a, b) of DDIM's step (Song et
    al. 2021, eq. 12, any σ) written as x_{t′} = a·x_t + b·ε_θ + σz: a = √(ᾱ_{t′}/ᾱ_t) and
    b = √(1 − ᾱ_{t′} − σ²) − √(ᾱ_{t′}(1 − ᾱ_t)/ᾱ_t). Then, at η = 1 and t′ = t − 1 (σ² = β̃_t), the pair is compared
    with line 4 of DDPM's Algorithm 2: 1/√α_t and −β_t/(√α_t·√(1 − ᾱ_t))."""
    from ...schedule import DiffusionSchedule

    for alpha_bar, alpha_bar_prev, sigma in ((0.1, 0.3, 0.0), (0.5, 0.9, 0.2), (0.97, 0.999, 0.01), (0.02, 0.6, 0.5)):
        got, problem = _ddim_pair(fn, alpha_bar, alpha_bar_prev, sigma)
        if problem:
            return report(False, problem)
        expected = torch.tensor(_ddim_coefficients(alpha_bar, alpha_bar_prev, sigma), dtype=torch.float64)
        if close(got, expected, rtol=1e-5, atol=1e-6):
            continue
        slips = {
            hint: torch.tensor(pair, dtype=torch.float64)
            for hint, pair in _ddim_coefficient_slips(alpha_bar, alpha_bar_prev, sigma).items()
        }
        return report(
            False,
            tr(
                "ᾱ_t = {alpha_bar}, ᾱ_{{t′}} = {alpha_bar_prev}, σ = {sigma}: expected (a, b) = ({a:.4f}, {b:.4f}), "
                "got ({got_a:.4f}, {got_b:.4f}){hint}",
                alpha_bar=alpha_bar,
                alpha_bar_prev=alpha_bar_prev,
                sigma=sigma,
                a=float(expected[0]),
                b=float(expected[1]),
                got_a=float(got[0]),
                got_b=float(got[1]),
                hint=which_mistake(got, slips, rtol=1e-5, atol=1e-6),
            ),
        )
    # η = 1, one step: DDIM's pair against line 4's coefficients, on the linear schedule (float64)
    schedule = DiffusionSchedule.linear(1000, dtype=torch.float64)
    worst = 0.0
    for i in (1, 10, 500, 999):
        alpha_bar, alpha_bar_prev = float(schedule.alphas_cumprod[i]), float(schedule.alphas_cumprod[i - 1])
        got, problem = _ddim_pair(fn, alpha_bar, alpha_bar_prev, math.sqrt(float(schedule.posterior_variance[i])))
        if problem:
            return report(False, problem)
        alpha, beta = float(schedule.alphas[i]), float(schedule.betas[i])
        line4 = torch.tensor([1 / math.sqrt(alpha), -beta / (math.sqrt(alpha) * math.sqrt(1 - alpha_bar))])
        worst = max(worst, float(((got - line4).abs() / line4.abs()).max()))
    return report(
        True,
        tr(
            "a = √(ᾱ_{{t′}}/ᾱ_t), b = √(1 − ᾱ_{{t′}} − σ²) − √(ᾱ_{{t′}}(1 − ᾱ_t)/ᾱ_t); at η = 1 and t′ = t − 1 your "
            "pair equals line 4's 1/√α_t and −β_t/(√α_t·√(1 − ᾱ_t)) to a relative {worst:.0e}: one DDIM step with "
            "η = 1 is one DDPM step with σ_t² = beta_tilde_t",
            worst=worst,
        ),
    )
