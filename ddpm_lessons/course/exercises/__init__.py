"""Automatic checks for the lessons' exercises, one module per lesson: ``check_<name>(your_function)``.

Each check calls the learner's function on inputs with known answers, prints ``✓ …`` or ``✗ …`` with a hint
that names the likely mistake, and returns a :class:`CheckResult` (true or false; ``assert`` works on it). A
function that still raises ``NotImplementedError`` gets a reminder instead of a traceback.
"""

from .feedback import CheckResult
from .lesson00 import check_constant_beta_alpha_bar, check_log_alpha_bar_T, check_noise_std_at
from .lesson01 import check_gap_half_life, check_gaussian_score, check_mean_distance, check_settled_mean_square
from .lesson02 import check_chain_coefficients, check_equal_power_step, check_finds_bug, check_forward_jump
from .lesson03 import (
    check_jump_mean_eps_form,
    check_jump_posterior_variance,
    check_min_weight_step,
    check_sum_from_random_steps,
    check_variances_agree_step,
)
from .lesson04 import check_embedding_distance, check_fast_twins, check_fixed_embedding, check_shifted_embedding
from .lesson05 import check_batchnorm_prediction, check_conv_macs, check_receptive_field, check_stage_parameters
from .lesson06 import check_best_x0_mse, check_ema_window, check_fixed_loss, check_gaussian_loss_floor
from .lesson07 import (
    check_ddim_step_coefficients,
    check_ddim_variance,
    check_diffusers_guidance,
    check_no_noise_variance,
)
from .lesson08 import check_bug_noise_level, check_prior_kl_with_mean, check_prior_mismatch_kl, check_reverse_step
from .lesson09 import (
    check_conditional_velocity,
    check_heun_factor,
    check_heun_step,
    check_injected_noise,
    check_noise_free_ink,
)
from .lesson10 import check_capstone
from .lesson11 import check_score_weight, check_target_variance_prediction

__all__ = [
    "CheckResult",
    "check_noise_std_at",
    "check_log_alpha_bar_T",
    "check_constant_beta_alpha_bar",
    "check_mean_distance",
    "check_settled_mean_square",
    "check_gap_half_life",
    "check_gaussian_score",
    "check_chain_coefficients",
    "check_finds_bug",
    "check_equal_power_step",
    "check_forward_jump",
    "check_jump_mean_eps_form",
    "check_min_weight_step",
    "check_sum_from_random_steps",
    "check_jump_posterior_variance",
    "check_variances_agree_step",
    "check_embedding_distance",
    "check_fixed_embedding",
    "check_fast_twins",
    "check_shifted_embedding",
    "check_stage_parameters",
    "check_receptive_field",
    "check_conv_macs",
    "check_batchnorm_prediction",
    "check_ema_window",
    "check_fixed_loss",
    "check_gaussian_loss_floor",
    "check_best_x0_mse",
    "check_no_noise_variance",
    "check_ddim_variance",
    "check_diffusers_guidance",
    "check_ddim_step_coefficients",
    "check_bug_noise_level",
    "check_reverse_step",
    "check_prior_mismatch_kl",
    "check_prior_kl_with_mean",
    "check_noise_free_ink",
    "check_injected_noise",
    "check_conditional_velocity",
    "check_heun_factor",
    "check_heun_step",
    "check_capstone",
    "check_score_weight",
    "check_target_variance_prediction",
]
