"""Lesson 11's recorded experiment (targets, weightings and training levels one at a time): it runs, is deterministic,
trains each variant with the setting it names, measures the network's error against the exact ε* correctly, and refuses
bad arguments."""

import math

import pytest
import torch

from ddpm_lessons.data import eight_gaussians
from ddpm_lessons.experiments import design_space
from ddpm_lessons.schedule import DiffusionSchedule
from ddpm_lessons.score import MixtureEps
from ddpm_lessons.validation import InputError

TINY = {"steps": 4, "batch_size": 16, "hidden": 16, "layers": 2, "n": 64}


def test_a_tiny_run_is_deterministic_and_measures_everything():
    one = design_space.measure((3,), variants=("eps", "v"), **TINY)
    again = design_space.measure((3,), variants=("eps", "v"), **TINY)
    strip = [{k: v for k, v in run.items() if not k.endswith("_s")} for run in one]
    assert strip == [{k: v for k, v in run.items() if not k.endswith("_s")} for run in again]
    eps, v = one
    rows = len(design_space.SAMPLERS) * len(design_space.SAMPLE_NFE)
    assert len(eps["samples"]) == 2 * rows and len(v["samples"]) == rows  # the eps runs add eps* with every sampler
    assert {r["field"] for r in eps["samples"]} == {"network", "eps_star"}
    assert eps["half_budget"]["steps"] == 2 and eps["end"]["steps"] == 4
    assert [r["t"] for r in eps["error_by_level"]] == design_space.level_indices(DiffusionSchedule.linear(1000))
    # a different target trains a different network from the same seed and data
    assert eps["error_by_level"] != v["error_by_level"]


def test_every_variant_is_one_change_from_l_simple():
    assert design_space.SETTINGS["eps"] == {}
    for variant, settings in design_space.SETTINGS.items():
        assert variant in design_space.VARIANTS and len(settings) <= 2
    assert design_space.VARIANTS == tuple(design_space.SETTINGS)


def test_level_indices_spread_evenly_in_log_snr():
    schedule = DiffusionSchedule.linear(1000)
    indices = design_space.level_indices(schedule)
    assert indices[0] == 0 and indices[-1] == 999 and len(indices) == design_space.LEVEL_COUNT
    alpha_bar = schedule.alphas_cumprod.double()
    log_snr = [math.log(alpha_bar[i] / (1 - alpha_bar[i])) for i in indices]
    gaps = [a - b for a, b in zip(log_snr, log_snr[1:])]
    assert all(g > 0 for g in gaps) and max(gaps) < 1.3 * min(gaps)
    with pytest.raises(InputError, match="count"):
        design_space.level_indices(DiffusionSchedule.linear(5), count=12)


class _AsV(torch.nn.Module):
    """The exact ε* turned into a v-prediction: v = (ε − √(1 − ᾱ) x_t)/√ᾱ (x_t = √ᾱ x₀ + √(1 − ᾱ) ε)."""

    def __init__(self, eps_model, schedule):
        super().__init__()
        self.eps_model, self.schedule = eps_model, schedule

    def forward(self, x, t):
        a = self.schedule.sqrt_alphas_cumprod[t][:, None].to(x.dtype)
        b = self.schedule.sqrt_one_minus_alphas_cumprod[t][:, None].to(x.dtype)
        return (self.eps_model(x, t) - b * x) / a


def test_the_exact_field_has_no_network_error_whatever_its_target():
    schedule, mixture = DiffusionSchedule.linear(1000), eight_gaussians()
    exact = MixtureEps(mixture, schedule)
    for model, prediction in ((exact, "eps"), (_AsV(exact, schedule.to(dtype=torch.float64)), "v")):
        rows = design_space.error_by_level(model, prediction, schedule, mixture)
        assert all(r["network"] < 1e-8 for r in rows), prediction
    # the irreducible E|eps* - eps|^2 per coordinate: where the modes are far apart (the cleanest levels) it is one
    # Gaussian's, Var[eps | x_t] = ab s^2 / (ab s^2 + 1 - ab) (s = 0.1, each mode's std); at t = T - 1 x_t is almost eps
    alpha_bar = schedule.alphas_cumprod.double()
    for row in rows[:2]:
        ab = alpha_bar[row["t"]].item()
        assert row["floor"] == pytest.approx(ab * 0.01 / (ab * 0.01 + 1 - ab), rel=0.05)
    assert rows[-1]["floor"] < 0.01
    # a wrong prediction type is seen: reading eps* as a v-prediction leaves a large error
    wrong = design_space.error_by_level(exact, "v", schedule, mixture)
    assert max(r["network"] for r in wrong) > 0.1


def test_bad_arguments_are_refused():
    with pytest.raises(InputError, match="variants"):
        design_space.measure((0,), variants=("eps", "eps"), **TINY)
    with pytest.raises(InputError, match="recipe"):
        design_space.measure((0,), bogus=1)
    with pytest.raises(InputError, match="steps"):
        design_space.measure((0,), **{**TINY, "steps": 1})
    with pytest.raises(InputError, match="lr"):
        design_space.measure((0,), **{**TINY, "lr": 0.0})
    args = design_space.parser().parse_args(["--final-only", "--steps", "8"])
    assert design_space.recipe_of(args)["final_only"] is True
    assert "final_only" not in design_space.recipe_of(design_space.parser().parse_args([]))
