"""Lesson 01's particle simulation and the exercise checks of lessons 01+."""

import math

import pytest
import torch

from ddpm_lessons.course import exercises


def test_exercise_checks_accept_solutions_and_explain_mistakes(capsys):
    assert exercises.check_predicted_variance(lambda t, s, v: v + t * s**2)
    assert not exercises.check_predicted_variance(lambda t, s, v: v + t * s)
    assert "not the standard deviation" in capsys.readouterr().out

    def unfinished(x, beta, noise):
        raise NotImplementedError

    assert not exercises.check_vp_step(unfinished)
    assert "not implemented yet" in capsys.readouterr().out
    assert exercises.check_vp_step(lambda x, b, e: math.sqrt(1 - b) * x + math.sqrt(b) * e)
    assert not exercises.check_vp_step(lambda x, b, e: math.sqrt(1 - b) * x + b * e)
    assert "scaled by β instead of √β" in capsys.readouterr().out

    def variance_after(v, betas):
        for b in betas:
            v = (1 - b) * v + b
        return v

    assert exercises.check_variance_after(variance_after)
    assert not exercises.check_variance_after(lambda v, betas: v)


def test_lesson00_exercise_checks(capsys):
    assert exercises.check_paper_to_code(lambda t: t - 1)
    assert not exercises.check_paper_to_code(lambda t: t)
    assert "counts from 0" in capsys.readouterr().out
    assert exercises.check_alpha_bar_at_paper_step(lambda s, t: 1.0 if t == 0 else s.alphas_cumprod[t - 1].item())
    assert not exercises.check_alpha_bar_at_paper_step(lambda s, t: s.alphas_cumprod[t].item())
    assert "off by one" in capsys.readouterr().out


def test_lesson02_exercise_checks(capsys):
    assert exercises.check_alphas_cumprod(lambda b: torch.cumprod(1 - b, 0))
    assert not exercises.check_alphas_cumprod(lambda b: torch.cumprod(b, 0))
    assert "product of the betas" in capsys.readouterr().out
    assert exercises.check_merged_noise_std(lambda a, b: math.sqrt(1 - a * b))
    assert not exercises.check_merged_noise_std(lambda a, b: 1 - a * b)
    assert "square root" in capsys.readouterr().out
    assert exercises.check_q_sample(lambda x, ab, e: math.sqrt(ab) * x + math.sqrt(1 - ab) * e)
    assert not exercises.check_q_sample(lambda x, ab, e: math.sqrt(ab) * x + (1 - ab) * e)
    assert "(1 − ᾱ) instead of √(1 − ᾱ)" in capsys.readouterr().out


def test_lesson03_exercise_checks(capsys):
    def jump_mean(ab_t, ab_s):
        r = ab_t / ab_s
        return 1 / math.sqrt(r), -(1 - r) / (math.sqrt(r) * math.sqrt(1 - ab_t))

    assert exercises.check_jump_mean_eps_form(jump_mean)
    assert not exercises.check_jump_mean_eps_form(
        lambda ab_t, ab_s: (jump_mean(ab_t, ab_s)[0], -jump_mean(ab_t, ab_s)[1])
    )
    assert "ε enters with a minus" in capsys.readouterr().out
    assert not exercises.check_jump_mean_eps_form(lambda ab_t, ab_s: (1 / math.sqrt(ab_t), -math.sqrt(1 / ab_t - 1)))
    assert "the jump all the way to s = 0" in capsys.readouterr().out

    def min_weight_step(T, beta_1, beta_T):
        u = 1.0
        for _ in range(100):
            u = math.log(1 + 2 * u)
        return math.sqrt(2 * u * T / beta_T)

    assert exercises.check_min_weight_step(min_weight_step)
    assert not exercises.check_min_weight_step(lambda T, b1, bT: T)
    assert "not monotone" in capsys.readouterr().out
    assert not exercises.check_min_weight_step(lambda T, b1, bT: math.sqrt(2 * T / bT))
    assert "takes u = 1" in capsys.readouterr().out

    def fixed(term, T, n, generator):
        return T * term(torch.randint(1, T + 1, (n,), generator=generator)).mean()

    assert exercises.check_sum_from_random_steps(fixed)
    assert not exercises.check_sum_from_random_steps(
        lambda term, T, n, g: term(torch.randint(1, T, (n,), generator=g)).mean()
    )
    assert "never draws t = T" in capsys.readouterr().out
    assert not exercises.check_sum_from_random_steps(
        lambda term, T, n, g: term(torch.randint(1, T + 1, (n,), generator=g)).mean()
    )
    assert "a factor T is missing" in capsys.readouterr().out
    assert not exercises.check_sum_from_random_steps(
        lambda term, T, n, g: T * term(torch.randint(0, T, (n,), generator=g)).mean()
    )
    assert "drew paper step 0" in capsys.readouterr().out


def test_lesson04_exercise_checks(capsys):
    from ddpm_lessons import TimePositionalEncoding

    assert exercises.check_time_embedding(lambda t, dim: TimePositionalEncoding(dim)(t))

    def interleaved(t, dim):
        e = TimePositionalEncoding(dim)(t)
        return torch.stack([e[:, : dim // 2], e[:, dim // 2 :]], dim=-1).reshape(len(t), dim)

    assert not exercises.check_time_embedding(interleaved)
    assert "interleaved" in capsys.readouterr().out
    assert exercises.check_time_bias(lambda h, e: h + e[..., None, None])
    assert not exercises.check_time_bias(lambda h, e: h + e.mean())


def test_lesson05_exercise_checks(capsys):
    assert exercises.check_conv_parameters(lambda i, o, k: i * o * k * k + o)
    assert not exercises.check_conv_parameters(lambda i, o, k: i * o * k * k)
    assert "bias" in capsys.readouterr().out

    def shape(s, out_ch, down):
        b, c, h, w = s
        return (b, out_ch, h // 2, w // 2) if down else (b, out_ch, h * 2, w * 2)

    assert exercises.check_stage_shape(shape)
    assert not exercises.check_stage_shape(lambda s, o, d: s)


def test_lesson06_exercise_checks(capsys):
    assert exercises.check_timestep_sampler(lambda b, T, g: torch.randint(0, T, (b,), generator=g))
    assert not exercises.check_timestep_sampler(lambda b, T, g: torch.randint(1, T + 1, (b,), generator=g))
    assert "0-based" in capsys.readouterr().out
    assert exercises.check_ema_update(lambda e, v, d: d * e + (1 - d) * v)
    assert not exercises.check_ema_update(lambda e, v, d: (1 - d) * e + d * v)
    assert exercises.check_simple_loss(lambda e, p: ((e - p) ** 2).mean())
    assert not exercises.check_simple_loss(lambda e, p: ((e - p) ** 2).sum())
    assert "that is the sum" in capsys.readouterr().out


def test_lesson_07_and_08_checks_accept_the_solutions_and_reject_known_mistakes():
    def step(x, eps, beta, alpha_bar, z, last):
        mean = (x - beta / math.sqrt(1 - alpha_bar) * eps) / math.sqrt(1 - beta)
        return mean if last else mean + math.sqrt(beta) * z

    assert exercises.check_reverse_step(step)
    assert not exercises.check_reverse_step(lambda x, e, b, ab, z, last: step(x, e, b, ab, z, False))
    assert not exercises.check_reverse_step(lambda x, e, b, ab, z, last: step(x, e, b, ab, z, True))

    def posterior(betas):
        alpha_bar = torch.cumprod(1 - betas, 0)
        prev = torch.cat([torch.ones(1, dtype=betas.dtype), alpha_bar[:-1]])
        return betas * (1 - prev) / (1 - alpha_bar)

    assert exercises.check_posterior_variance(posterior)
    assert not exercises.check_posterior_variance(lambda b: b)
    assert exercises.check_guided_eps(lambda c, u, w: (1 + w) * c - w * u)
    assert exercises.check_guided_eps(lambda c, u, w: ((1 + w) * c - w * u).double())  # float64 answers pass
    assert not exercises.check_guided_eps(lambda c, u, w: u + w * (c - u))
    assert not exercises.check_guided_eps(lambda c, u, w: (1 + w) * u - w * c)
    assert exercises.check_to_model_range(lambda p: p.float() / 127.5 - 1)
    assert exercises.check_to_model_range(lambda p: p.double() / 127.5 - 1)
    assert exercises.check_reverse_step(lambda *a: step(*a).double())
    assert not exercises.check_to_model_range(lambda p: p.float() / 255)
    assert exercises.check_sampling_indices(lambda T: range(T - 1, -1, -1))
    assert not exercises.check_sampling_indices(lambda T: range(T - 1, 0, -1))
    assert not exercises.check_sampling_indices(lambda T: range(T, 0, -1))

    def kl(alpha_bar, var):
        s2 = alpha_bar * var + 1 - alpha_bar
        return 0.5 * (s2 - 1 - math.log(s2))

    assert exercises.check_prior_mismatch_kl(kl)
    assert not exercises.check_prior_mismatch_kl(lambda a, v: 0.0)


@pytest.mark.parametrize(
    "answer, words",
    [
        (lambda a, m, v: 0.5 * (a * v + 1 - a - 1 - math.log(a * v + 1 - a)), "mean term is missing"),
        (lambda a, m, v: 0.5 * (a * v - a - math.log(a * v + 1 - a)) + 0.5 * math.sqrt(a) * m * m, "not √ᾱ_T·m²"),
        (lambda a, m, v: 0.5 * (a * v - a - math.log(a * v + 1 - a)) + 0.5 * m * m, "not m"),
        (lambda a, m, v: 0.5 * (a * v - a - math.log(a * v + 1 - a)) + a * m * m, "the ½ of the Gaussian exponent"),
        (lambda a, m, v: 0.0, "μ = √ᾱ_T·m"),
    ],
)
def test_the_prior_kl_with_mean_names_the_likely_mistake(answer, words, capsys):
    def right(alpha_bar, mean, var):  # another correct form: the general Gaussian KL with μ = √ᾱ m
        mu, s2 = math.sqrt(alpha_bar) * mean, alpha_bar * var + 1 - alpha_bar
        return 0.5 * (s2 + mu**2 - 1) - 0.5 * math.log(s2)

    assert exercises.check_prior_kl_with_mean(right)
    capsys.readouterr()
    assert not exercises.check_prior_kl_with_mean(answer)
    assert words in capsys.readouterr().out


def test_unfinished_lesson_07_and_08_exercises_get_a_reminder(capsys):
    def unfinished(*args):
        raise NotImplementedError

    for check in (
        exercises.check_reverse_step,
        exercises.check_posterior_variance,
        exercises.check_guided_eps,
        exercises.check_to_model_range,
        exercises.check_sampling_indices,
        exercises.check_prior_mismatch_kl,
    ):
        assert not check(unfinished)
    assert capsys.readouterr().out.count("not implemented yet") == 6


def test_derivation_checks_of_lessons_05_to_07_accept_any_correct_form_and_name_mistakes(capsys):
    # issue 11 §5: each accepts a correct answer written another way and names the likely mistake
    assert exercises.check_conv_macs(lambda i, o, k, h, w: (i * k * k) * (o * h * w))
    assert not exercises.check_conv_macs(lambda i, o, k, h, w: i * o * k * h * w)
    assert "k²" in capsys.readouterr().out
    assert exercises.check_x0_error_factor(lambda ab: 1 / ab - 1)
    assert not exercises.check_x0_error_factor(lambda ab: ((1 - ab) / ab) ** 0.5)
    assert "square it" in capsys.readouterr().out

    def ddim(x, e, ab, abp):  # written as one linear combination of x_t and ε
        return math.sqrt(abp / ab) * x + (math.sqrt(1 - abp) - math.sqrt(abp * (1 - ab) / ab)) * e

    assert exercises.check_ddim_deterministic_step(ddim)
    assert not exercises.check_ddim_deterministic_step(
        lambda x, e, ab, abp: (x - math.sqrt(1 - ab) * e) / math.sqrt(ab)
    )
    assert "x̂₀ itself" in capsys.readouterr().out
