"""Bad input gets an error that names the parameter and the accepted range; nothing is silently broadcast."""

import pytest
import torch

from ddpm_lessons import (
    DiffusionSchedule,
    TimePositionalEncoding,
    ddim_step,
    denoising_step,
    forward_diffusion_sample,
    p_mean_variance,
    q_posterior_mean_variance,
    q_sample,
)

S = DiffusionSchedule.linear(100)
X = torch.zeros(4, 3, 8, 8)
NOISE = torch.zeros_like(X)


@pytest.mark.parametrize(
    "call, exc, words",
    [
        (lambda: q_sample(S, X, 100, NOISE), ValueError, "t must lie in [0, 100) (0-based, T = 100), got 100"),
        (lambda: q_sample(S, X, -1, NOISE), ValueError, "t must lie in [0, 100)"),
        (lambda: q_sample(S, X, torch.tensor([0, 1, 2, 100]), NOISE), ValueError, "t must lie in [0, 100)"),
        (
            lambda: q_sample(S, X, torch.tensor([0.0, 1.0, 2.0, 3.0]), NOISE),
            TypeError,
            "t must hold integer timestep indices",
        ),
        (lambda: q_sample(S, X, 3.0, NOISE), TypeError, "t must be an int or an integer torch.Tensor"),
        (
            lambda: q_sample(S, X, torch.tensor([1, 2]), NOISE),
            ValueError,
            "t has 2 timesteps but the batch has 4 elements",
        ),
        (
            lambda: q_sample(S, X, torch.tensor([1]), NOISE),
            ValueError,
            "t has 1 timesteps but the batch has 4 elements",
        ),
        (
            lambda: q_sample(S, X, torch.zeros(4, 1, dtype=torch.long), NOISE),
            ValueError,
            "t must be an int or a 1-D tensor",
        ),
        (lambda: q_sample(S, X, True, NOISE), TypeError, "t must be an integer timestep index, got bool"),
        (lambda: q_sample(S, X, 1, NOISE[:2]), ValueError, "noise must have the same shape as x0"),
        (lambda: q_sample(S, X.long(), 1, NOISE), TypeError, "x0 must be a floating-point tensor"),
        (lambda: q_sample("linear", X, 1, NOISE), TypeError, "schedule must be a DiffusionSchedule"),
        (lambda: q_posterior_mean_variance(S, X, X[:, :1], 1), ValueError, "x_t must have the same shape as x0"),
        (
            lambda: p_mean_variance(S, X, 1, NOISE, variance="large"),
            ValueError,
            "variance must be one of ('beta', 'posterior')",
        ),
        (lambda: ddim_step(S, X, 10, 10, NOISE), ValueError, "t_prev must be smaller than t"),
        (lambda: ddim_step(S, X, 10, -2, NOISE), ValueError, "t_prev must lie in [-1, 100)"),
        (lambda: ddim_step(S, X, 10, 5, NOISE, eta=-0.5), ValueError, "eta must lie in [0, 1]"),
        (
            lambda: forward_diffusion_sample(X, 100, S.sqrt_alphas_cumprod, S.sqrt_one_minus_alphas_cumprod),
            ValueError,
            "t must lie in [0, 100)",
        ),
        (
            lambda: forward_diffusion_sample(X, 1, S.sqrt_alphas_cumprod, S.sqrt_one_minus_alphas_cumprod[:5]),
            ValueError,
            "must be 1-D tensors of the same length T",
        ),
        (lambda: TimePositionalEncoding(5), ValueError, "dim must be even"),
    ],
)
def test_bad_input_is_named(call, exc, words):
    with pytest.raises(exc) as info:
        call()
    assert words in str(info.value)


def test_single_t_for_whole_batch_is_documented_behaviour():
    """A Python int (or a 0-d tensor) means 'the same step for every element'."""
    eps = torch.randn_like(X)
    a = q_sample(S, X + 1, 7, eps)
    b = q_sample(S, X + 1, torch.tensor(7), eps)
    c = q_sample(S, X + 1, torch.full((4,), 7), eps)
    assert torch.equal(a, b) and torch.equal(a, c)


def test_schedule_on_another_device_is_refused():
    meta = S.to(device="meta")
    with pytest.raises(ValueError, match=r"schedule is on meta but x is on cpu.*schedule.to\(device='cpu'\)"):
        q_sample(meta, X, 1, NOISE)
    with pytest.raises(ValueError, match="alphas is on meta but x is on cpu"):
        denoising_step(X, 1, lambda x, t: x, meta.alphas, meta.alphas_cumprod, meta.betas)


def test_denoising_step_checks_model_output_and_noise():
    with pytest.raises(ValueError, match="model\\(x_t, t\\) must return a tensor shaped like x_t"):
        denoising_step(X, 1, lambda x, t: x[:, :1], S.alphas, S.alphas_cumprod, S.betas)
    with pytest.raises(ValueError, match="noise must have the same shape as x_t"):
        denoising_step(X, 1, lambda x, t: x, S.alphas, S.alphas_cumprod, S.betas, noise=NOISE[:1])


def test_validation_imports_no_module_of_the_package():
    import ast
    from pathlib import Path

    import ddpm_lessons.validation as validation

    tree = ast.parse(Path(validation.__file__).read_text())
    relative = [node for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.level > 0]
    absolute = [
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for alias in node.names
        if "ddpm_lessons" in (getattr(node, "module", None) or alias.name)
    ]
    assert not relative and not absolute


def test_input_error_names_its_parameter_and_is_both_value_and_type_error():
    from ddpm_lessons.validation import InputError, check_positive_int, check_real

    with pytest.raises(InputError) as info:
        check_positive_int(0, "batch_size")
    assert info.value.parameter == "batch_size" and isinstance(info.value, ValueError)
    with pytest.raises(TypeError) as info:
        check_real("x", "lr")
    assert info.value.parameter == "lr"


def test_check_finite_result_names_the_input_that_holds_nan_or_the_overflow():
    from ddpm_lessons.validation import InputError, check_finite_result

    good = torch.ones(3)
    assert check_finite_result(good, {"x": good}, "y") is good
    bad = torch.tensor([1.0, float("nan"), float("inf")])
    with pytest.raises(InputError, match="noise must be finite, got 1 NaN and 1 infinite") as error:
        check_finite_result(bad, {"x": good, "noise": bad}, "y")
    assert error.value.parameter == "noise"
    with pytest.raises(InputError, match=r"model\(x_t, t\) must be finite") as error:
        check_finite_result(bad, {"x": good, "model(x_t, t)": bad}, "y")
    assert error.value.parameter == "model"
    with pytest.raises(InputError, match="too large for torch.float32") as error:
        check_finite_result(bad, {"x": good}, "y")
    assert error.value.parameter == "x"


def test_level_values_seeds_shapes_and_dtypes_refuse_what_would_be_complex_truncated_or_overflow():
    from ddpm_lessons.validation import MAX_SEED, InputError, check_dtype, check_level_value, check_seed, check_shape

    assert check_level_value(0.5, "alpha_bar") == 0.5
    assert check_level_value(torch.tensor([0.5, 1.0]), "alpha_bar").shape == (2,)
    for bad in (-1, 0.0, 2, float("nan"), "0.5", torch.tensor([0.5, 1.5]), torch.tensor([1])):
        with pytest.raises(InputError, match="alpha_bar"):
            check_level_value(bad, "alpha_bar")
    assert check_level_value(0.0, "s", low_open=False) == 0.0
    assert check_level_value(1e30, "sigma", low_open=False, high=None) == 1e30
    assert check_seed(MAX_SEED) == MAX_SEED
    torch.Generator().manual_seed(MAX_SEED)  # the bound is torch's own
    for bad in (MAX_SEED + 1, -1, 0.5, "0", True):
        with pytest.raises(InputError, match="seed"):
            check_seed(bad)
    assert check_shape([3, 2]) == (3, 2)
    for bad in ((-1, 2), (1.5, 2), (0, 2), "3,2", (), None, (True, 2)):
        with pytest.raises(InputError, match="shape"):
            check_shape(bad)
    assert check_dtype(None) is None and check_dtype(torch.float64) is torch.float64
    for bad in ("float64", torch.int64, 3):
        with pytest.raises(InputError, match="dtype"):
            check_dtype(bad)


def test_all_finite_is_exact_even_when_the_sum_of_finite_values_overflows():
    from ddpm_lessons.validation import all_finite

    assert all_finite(torch.full((4,), 3e38))  # the sum is inf, every value is finite
    assert all_finite(torch.zeros(0))
    assert not all_finite(torch.tensor([1.0, float("inf"), -float("inf")]))  # the sum is NaN
    assert not all_finite(torch.tensor([float("nan"), 1.0]))
    assert all_finite(torch.ones(3, requires_grad=True) * 2)  # no graph is kept for the check
