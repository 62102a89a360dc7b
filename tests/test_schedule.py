"""Reference values of the schedules (DDPM §4; Nichol & Dhariwal 2021; Ho et al.'s code), in float64."""

import math

import pytest
import torch

from ddpm_lessons import DiffusionSchedule, InputError, get_beta_schedule


def test_seed_get_beta_schedule_is_linspace():
    betas = get_beta_schedule(1000)
    assert betas.dtype == torch.float32 and betas.shape == (1000,)
    assert torch.equal(betas, torch.linspace(1e-4, 0.02, 1000))


def test_linear_reference_values(linear64):
    s = linear64
    assert len(s) == 1000 and s.num_timesteps == 1000
    assert s.betas[0].item() == 1e-4
    assert s.betas[-1].item() == 0.02
    assert s.alphas_cumprod[0].item() == pytest.approx(0.9999, rel=1e-12)
    assert s.alphas_cumprod[99].item() == pytest.approx(0.89702, rel=1e-4)
    assert s.alphas_cumprod[499].item() == pytest.approx(0.078587, rel=1e-4)
    assert s.alphas_cumprod[-1].item() == pytest.approx(4.0358e-5, rel=1e-4)
    assert s.sqrt_alphas_cumprod[-1].item() == pytest.approx(0.0063528, rel=1e-4)
    assert s.alphas_cumprod_prev[0].item() == 1.0
    assert torch.equal(s.alphas_cumprod_prev[1:], s.alphas_cumprod[:-1])


def test_cosine_reference_values(cosine64):
    s = cosine64
    clipped = (s.betas == 0.999).nonzero().flatten().tolist()
    assert clipped == [999], "exactly one beta (the last) is clipped to 0.999"
    assert s.betas.max().item() == 0.999
    assert s.betas[0].item() == pytest.approx(4.128e-5, rel=1e-3)
    assert s.betas[0].item() == pytest.approx(4.1284e-5, rel=1e-4)
    assert math.sqrt(s.betas[0].item()) < 1 / 127.5
    assert s.betas[998].item() == pytest.approx(0.75, rel=1e-6)
    assert s.alphas_cumprod[-1].item() == pytest.approx(2.4288e-9, rel=1e-3)


def test_posterior_reference_values(linear64):
    s = linear64
    assert s.posterior_variance[0].item() == 0.0
    assert s.posterior_log_variance_clipped[0].item() == math.log(s.posterior_variance[1].item())
    assert s.posterior_log_variance_clipped[0].item() == pytest.approx(-9.8167, abs=1e-4)
    assert s.posterior_mean_coef1[0].item() == pytest.approx(1.0, abs=1e-10)
    assert s.posterior_mean_coef2[0].item() == 0.0
    ratio = s.posterior_variance / s.betas
    for index, expected in ((1, 0.4547), (10, 0.8639), (100, 0.9821)):
        assert ratio[index].item() == pytest.approx(expected, abs=1e-4)
    assert bool((s.posterior_variance[1:] < s.betas[1:]).all()), "beta-tilde < beta for t > 0"


def test_float32_default_and_exact_float64_copy():
    s32 = DiffusionSchedule.linear(1000)
    assert s32.dtype == torch.float32 and s32.alphas_cumprod.dtype == torch.float32
    s64 = s32.to(dtype=torch.float64)
    reference = DiffusionSchedule.linear(1000, dtype=torch.float64)
    for field in DiffusionSchedule._FIELDS:
        assert torch.equal(getattr(s64, field), getattr(reference, field)), field


def test_custom_betas_and_len():
    s = DiffusionSchedule([0.1, 0.2, 0.3])
    assert len(s) == 3
    assert s.alphas_cumprod[-1].item() == pytest.approx(0.9 * 0.8 * 0.7)
    one = DiffusionSchedule([0.5])
    assert one.posterior_variance[0].item() == 0.0
    assert one.posterior_log_variance_clipped[0].item() == pytest.approx(math.log(0.5))


def test_schedule_is_not_a_module():
    """EMA and optimizers walk a model's buffers; a schedule must never be one of them."""
    assert not isinstance(DiffusionSchedule.linear(10), torch.nn.Module)


@pytest.mark.parametrize(
    "call, exc, words",
    [
        (lambda: DiffusionSchedule.linear(0), ValueError, "T must be an integer >= 1"),
        (lambda: get_beta_schedule(0), ValueError, "timesteps must be an integer >= 1"),
        (lambda: DiffusionSchedule.linear(10.0), TypeError, "T must be an integer"),
        (lambda: DiffusionSchedule.cosine(0), ValueError, "T must be an integer >= 1"),
        (
            lambda: DiffusionSchedule.linear(10, beta_start=0.0),
            ValueError,
            "beta_start must lie in the open interval (0, 1)",
        ),
        (
            lambda: DiffusionSchedule.linear(10, beta_end=1.0),
            ValueError,
            "beta_end must lie in the open interval (0, 1)",
        ),
        (
            lambda: DiffusionSchedule.linear(10, beta_start=0.03, beta_end=0.02),
            ValueError,
            "beta_start must be <= beta_end",
        ),
        (lambda: DiffusionSchedule([0.1, 1.2]), ValueError, "every beta must lie in the open interval (0, 1), got 1.2"),
        (lambda: DiffusionSchedule([0.1, -0.1]), ValueError, "every beta must lie in the open interval (0, 1)"),
        (lambda: DiffusionSchedule([]), ValueError, "betas must be a non-empty 1-D sequence"),
        (lambda: DiffusionSchedule([[0.1]]), ValueError, "betas must be a non-empty 1-D sequence"),
        (lambda: DiffusionSchedule([0.1], dtype=torch.int64), TypeError, "dtype must be a floating-point"),
    ],
)
def test_schedule_bad_input(call, exc, words):
    with pytest.raises(exc) as info:
        call()
    assert words in str(info.value)


def test_respaced_keeps_the_noise_levels_at_fewer_steps():
    base = DiffusionSchedule.linear(1000, dtype=torch.float64)
    short = base.respaced(20)
    assert len(short) == 20
    assert torch.allclose(short.alphas_cumprod[0], base.alphas_cumprod[0], rtol=1e-12)
    assert torch.allclose(short.alphas_cumprod[-1], base.alphas_cumprod[-1], rtol=1e-10)
    indices = torch.linspace(0, 999, 20, dtype=torch.float64).round().long()
    assert torch.allclose(short.alphas_cumprod, base.alphas_cumprod[indices], rtol=1e-10)
    assert torch.allclose(base.respaced(1000).betas, base.betas, rtol=1e-9)
    with pytest.raises(ValueError, match="steps must be <= T = 1000"):
        base.respaced(1001)
    with pytest.raises((ValueError, TypeError), match="steps"):
        base.respaced(0)


def test_the_seed_arrays_are_checked_once_per_set_and_again_after_a_change(monkeypatch):
    import ddpm_lessons.schedule as schedule_module

    s = DiffusionSchedule.linear(20)
    alphas, alphas_cumprod, betas = s.alphas.clone(), s.alphas_cumprod.clone(), s.betas.clone()
    x = torch.zeros(2, 3)
    checks = []
    original = schedule_module._check_seed_arrays
    monkeypatch.setattr(schedule_module, "_check_seed_arrays", lambda *a: checks.append(1) or original(*a))
    first = schedule_module.schedule_from_arrays(alphas, alphas_cumprod, betas, x)
    assert schedule_module.schedule_from_arrays(alphas, alphas_cumprod, betas, x) is first and len(checks) == 1
    assert torch.allclose(first.alphas_cumprod, s.alphas_cumprod, rtol=1e-6)  # rebuilt from the float32 betas
    schedule_module.schedule_from_arrays(alphas, alphas_cumprod, betas, x.double())
    assert len(checks) == 2, "another dtype is another schedule"
    alphas[3] = 0.5  # an in-place change makes the cached check stale
    with pytest.raises(InputError, match="alphas does not match betas"):
        schedule_module.schedule_from_arrays(alphas, alphas_cumprod, betas, x)
    assert len(checks) == 3


def test_every_schedule_constructor_has_the_ceiling_max_t():
    import time

    from ddpm_lessons.schedule import MAX_T
    from ddpm_lessons.validation import InputError

    assert MAX_T == 100_000 and len(get_beta_schedule(MAX_T)) == MAX_T  # lesson 09a builds T = 10,000
    for call, name in (
        (lambda: get_beta_schedule(10**9), "timesteps"),  # the seed's function: 4 GB of betas
        (lambda: DiffusionSchedule.linear(10**9), "T"),
        (lambda: DiffusionSchedule.cosine(10**9), "T"),
        (lambda: DiffusionSchedule([0.01] * (MAX_T + 1)), "betas"),
        (lambda: DiffusionSchedule(torch.full((MAX_T + 1,), 0.01)), "betas"),
        (lambda: DiffusionSchedule.from_config({"name": "linear", "T": 10**9}), "T"),
    ):
        started = time.perf_counter()
        with pytest.raises(InputError, match=r"100,000") as info:
            call()
        assert info.value.parameter == name and "MAX_T" in str(info.value)
        assert time.perf_counter() - started < 1


# ------------------------------------------------------------- issue 22, lesson A: zero terminal SNR (Lin et al. 2024)
@pytest.mark.parametrize("build", [lambda: DiffusionSchedule.linear(1000), lambda: DiffusionSchedule.cosine(200)])
def test_zero_terminal_snr_ends_at_alpha_bar_zero_and_keeps_the_first_level(build):
    original = build().to(dtype=torch.float64)
    zero = original.zero_terminal_snr()
    ab, ab0 = zero.alphas_cumprod, original.alphas_cumprod
    assert ab[-1] == 0 and zero.betas[-1] == 1 and zero.zero_terminal and not original.zero_terminal
    assert abs(ab[0] - ab0[0]) < 1e-15, "ᾱ_1 kept"
    assert (ab.diff() < 0).all() and ((zero.betas > 0) & (zero.betas <= 1)).all(), "monotone"
    # Algorithm 1: √ᾱ′ is an affine function of √ᾱ through (√ᾱ_T, 0) and (√ᾱ_1, √ᾱ_1)
    root, root0 = ab.sqrt(), ab0.sqrt()
    expected = (root0 - root0[-1]) * root0[0] / (root0[0] - root0[-1])
    assert torch.allclose(root, expected, rtol=1e-9, atol=1e-12)
    assert torch.isinf(zero.sqrt_recip_alphas_cumprod[-1]) and torch.isfinite(zero.sqrt_recip_alphas_cumprod[:-1]).all()
    rebuilt = DiffusionSchedule.from_config(zero.config, dtype=torch.float64)
    assert zero.config == {**original.config, "zero_terminal_snr": True}
    assert torch.equal(rebuilt.betas, zero.betas) and "zero terminal SNR" in repr(zero)
    assert torch.equal(zero.zero_terminal_snr().betas, zero.betas), "applying it twice changes nothing"
    single = zero.to(dtype=torch.float32)
    assert single.alphas_cumprod[-1] == 0 and torch.isfinite(single.posterior_log_variance_clipped).all()


def test_zero_terminal_snr_bad_input_is_refused_by_name():
    with pytest.raises(InputError) as error:
        DiffusionSchedule.linear(1).zero_terminal_snr()
    assert "at least 2 steps" in str(error.value) and error.value.parameter == "schedule"
    with pytest.raises(InputError, match="got 1.0 \\(only the last may be exactly 1: zero terminal SNR\\)"):
        DiffusionSchedule([0.1, 1.0, 0.5])
    with pytest.raises(InputError, match="only the last may be exactly 1"):
        DiffusionSchedule([1.0])  # T = 1: nothing would be left of the data
    with pytest.raises(InputError) as error:
        DiffusionSchedule.from_config({**DiffusionSchedule.linear(10).config, "zero_terminal_snr": "yes"})
    assert error.value.parameter == "config"
    assert DiffusionSchedule([0.1, 1.0]).zero_terminal, "a hand-made last beta of 1 is a zero-terminal schedule"
