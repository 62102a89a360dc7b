"""Lesson 09b's recorded experiment (flow matching vs ε, one difference at a time; Heun vs DDIM on two spacings):
it runs, is deterministic, refuses bad arguments, and the committed record is what it claims — converged, every
variant × seed, and every comparison lesson 09b states holds in every seed."""

import json
import math
import statistics
from collections import defaultdict

import pytest
import torch

from ddpm_lessons.data import eight_gaussians, toy_data
from ddpm_lessons.evaluation.metrics import sliced_wasserstein
from ddpm_lessons.evaluation.modes import mode_report
from ddpm_lessons.evaluation.references import data_reference
from ddpm_lessons.experiments import flows, record
from ddpm_lessons.schedule import DiffusionSchedule
from ddpm_lessons.validation import InputError

TINY = {"steps": 4, "every": 2, "batch_size": 16, "hidden": 16, "layers": 2, "n": 64}


@pytest.fixture(scope="module")
def recorded():
    return record.read_record("flows")


@pytest.fixture(scope="module")
def level(recorded):
    n = recorded["recipe"]["n"]
    return data_reference(
        sliced_wasserstein,
        lambda k, seed: toy_data("gaussian_mixture", k, seed=seed),
        n,
        reference=flows.reference_cloud(n),
        draws=20,
    )


def by_variant(recorded):
    runs = defaultdict(list)
    for run in recorded["runs"]:
        runs[run["variant"]].append(run)
    return runs


def sample_sw(run, grid, nfe):
    (row,) = [s for s in run["samples"] if s["grid"] == grid and s["nfe"] == nfe]
    return row


def sampler_row(run, spacing, method, nfe, field):
    (row,) = [
        r for r in run["samplers"] if (r["spacing"], r["method"], r["nfe"], r["field"]) == (spacing, method, nfe, field)
    ]
    return row


def test_a_tiny_run_is_deterministic_and_measures_everything():
    one = flows.measure((3,), variants=("eps", "flow-eps-both"), **TINY)
    again = flows.measure((3,), variants=("eps", "flow-eps-both"), **TINY)
    strip = [{k: v for k, v in run.items() if not k.endswith("_s")} for run in one]
    assert strip == [{k: v for k, v in run.items() if not k.endswith("_s")} for run in again]
    eps, flow = one
    assert [p["step"] for p in eps["curve"]] == [2, 4]
    assert {s["grid"] for s in eps["samples"]} == {"ddim", "ddpm"} and {s["grid"] for s in flow["samples"]} == {
        "uniform",
        "ddim",
    }
    assert len(eps["samplers"]) == 2 * len(flows.SAMPLER_NFE) * 2 * 2 and "samplers" not in flow
    for row in eps["samplers"]:
        steps = row["steps"]
        assert row["nfe"] == (steps if row["method"] == "ddim" else 2 * steps - 1)
        assert set(row) >= {"sw", "modes_covered", "weights_tv", "off_mode", "nll", "mode_shares"}
    assert eps["heun3"]["indices"] == [999, 666, 332, -1]


def test_the_eps_weighting_is_the_eps_loss_written_in_v():
    # (1 − s)² ‖v̂ − v‖² = ‖ε̂ − ε‖² with ε̂ = x_s + (1 − s) v̂: the identity the flow-eps-weight variant rests on
    schedule = DiffusionSchedule.linear(1000)
    objective = flows.FlowVariantObjective(schedule, "eps", "eps")
    g = torch.Generator().manual_seed(0)
    x0, noise = torch.randn(64, 2, generator=g), torch.randn(64, 2, generator=g)
    s = objective.draw(64, g)

    def model(x, times):
        return torch.tanh(x) * (times / 1000)[:, None]

    loss, residual = objective.loss(model, x0, s, noise, None)
    x_s = (1 - s[:, None]) * x0 + s[:, None] * noise
    eps_hat = x_s + (1 - s[:, None]) * model(x_s, 1000 * s)
    assert loss.item() == pytest.approx((eps_hat - noise).pow(2).mean().item(), rel=1e-5)
    assert torch.allclose(residual, eps_hat - noise, atol=1e-6)
    # the levels are the s of the trained indices: uniform t puts 47 % of the training above s = 0.8
    share = (objective.levels_table > 0.8).double().mean().item()
    assert share == pytest.approx(0.473, abs=1e-3)


def test_karras_spacing_follows_eq_5_on_the_trained_levels():
    schedule = DiffusionSchedule.linear(1000)
    indices, sigmas = flows.karras_timesteps(schedule, 10)
    assert indices[0] == 999 and indices[-2:] == [0, -1] and sigmas[-1] == 0.0
    assert all(a > b for a, b in zip(sigmas, sigmas[1:]))
    rho, hi, lo = 7.0, sigmas[0], sigmas[-2]
    middle = (hi ** (1 / rho) + 4 / 9 * (lo ** (1 / rho) - hi ** (1 / rho))) ** rho
    assert math.log(sigmas[4]) == pytest.approx(math.log(middle), abs=0.02)  # snapped to the nearest trained σ
    with pytest.raises(InputError) as caught:
        flows.karras_timesteps(schedule, 600)
    assert caught.value.parameter == "steps"


@pytest.mark.parametrize(
    "change, parameter",
    [
        ({"steps": 0}, "steps"),
        ({"every": 10}, "every"),
        ({"lr": 0.0}, "lr"),
        ({"ema_decay": 1.0}, "ema_decay"),
        ({"n": 1}, "n"),
        ({"rho": 0.5}, "rho"),
        ({"variants": ("eps", "nope")}, "variants"),
        ({"seeds": ()}, "seeds"),
        ({"widths": 3}, "recipe"),
        ({"final_only": "yes"}, "final_only"),
    ],
)
def test_bad_arguments_name_the_parameter(change, parameter):
    arguments = {"seeds": (0,), **TINY, **change}
    seeds = arguments.pop("seeds")
    with pytest.raises(InputError) as caught:
        flows.measure(seeds, **arguments)
    assert caught.value.parameter == parameter


def test_the_command_line_writes_its_record(tmp_path, capsys):
    out = tmp_path / "flows.json"
    argv = [
        "--seeds",
        "1",
        "--variants",
        "flow",
        "--steps",
        "2",
        "--every",
        "2",
        "--hidden",
        "8",
        "--n",
        "32",
        "--out",
        str(out),
    ]
    assert flows.main(argv) == 0
    written = json.loads(out.read_text())
    assert written["command"].endswith("--out " + str(out)) and len(written["runs"]) == 1
    assert written["recipe"]["steps"] == 2 and written["recipe"]["variants"] == ["flow"]


# ---------------------------------------------------------------- the committed record


def test_the_record_matches_its_command_and_covers_every_variant_and_seed(recorded):
    args = record.command_arguments(recorded, flows.parser())
    assert flows.recipe_of(args) == recorded["recipe"] and args.seeds == recorded["seeds"]
    assert len(recorded["seeds"]) >= 3
    pairs = sorted((run["variant"], run["seed"]) for run in recorded["runs"])
    assert pairs == sorted((v, s) for v in recorded["recipe"]["variants"] for s in recorded["seeds"])
    assert recorded["recipe"]["variants"] == list(flows.RECORDED)
    # the EMA is fitted to the run: the random initial weights' share decay^steps is negligible
    assert recorded["recipe"]["ema_decay"] ** recorded["recipe"]["steps"] < 1e-6


def test_every_run_passes_the_budget_check(recorded, level):
    """The budget check: training the same recipe on half the steps (its own cosine decay) ends no run further away than
    twice the counting noise of the difference of two off-mode shares at 100 NFE, or fresh data's standard deviation on
    the 20-NFE distance. It is weak (lesson 09b says why); on twice the steps (data/flows_double.json) the pooled shares
    of three of the four trainings still fall, which lesson 09b prints and says."""
    n = recorded["recipe"]["n"]
    for run in recorded["runs"]:
        half, full = run["half_budget"], run["curve"][-1]
        assert half["steps"] == recorded["recipe"]["steps"] // 2 and full["step"] == recorded["recipe"]["steps"]
        p = (half["off_mode_100"] + full["off_mode_100"]) / 2
        noise = math.sqrt(2 * p * (1 - p) / n)
        assert abs(full["off_mode_100"] - half["off_mode_100"]) < 2 * noise, (run["variant"], run["seed"], half, full)
        assert abs(full["sw"] - half["sw"]) < level.std, (run["variant"], run["seed"], half, full)


def test_what_lesson_09b_says_about_the_flow_variants_holds_in_every_seed(recorded, level):
    runs = by_variant(recorded)
    for seed_runs in zip(*(runs[v] for v in flows.RECORDED)):
        eps, flow, levels, both = seed_runs
        assert len({run["seed"] for run in seed_runs}) == 1
        for nfe in (10, 20, 50, 100):  # every converged model covers all eight modes from 10 evaluations on
            for run in seed_runs:
                for grid in ("ddim",) if run is eps else ("uniform", "ddim"):
                    assert sample_sw(run, grid, nfe)["modes_covered"] == 8
        for nfe in (5, 10, 20):
            # on its own grid flow matching is closer to the data than DDIM with the eps-model at 5-20 NFE ...
            assert sample_sw(flow, "uniform", nfe)["sw"] < sample_sw(eps, "ddim", nfe)["sw"]
            # ... and the grid accounts for it: the eps-loss written in v, too, is closer on uniform s than on DDIM's
            for run in (flow, levels, both):
                assert sample_sw(run, "uniform", nfe)["sw"] < sample_sw(run, "ddim", nfe)["sw"]
        for run in (flow, levels, both):  # at 5 NFE: all modes on uniform s, at most 5 on DDIM's grid
            assert (
                sample_sw(run, "uniform", 5)["modes_covered"] == 8 and sample_sw(run, "ddim", 5)["modes_covered"] <= 4
            )
        assert sample_sw(eps, "ddim", 5)["modes_covered"] <= 4
    # at 100 NFE the four trainings agree within the spread over the seeds (no ordering is claimed)
    means = {
        v: statistics.fmean(sample_sw(r, "ddim" if v == "eps" else "uniform", 100)["sw"] for r in runs[v])
        for v in flows.RECORDED
    }
    stds = [
        statistics.stdev(sample_sw(r, "ddim" if v == "eps" else "uniform", 100)["sw"] for r in runs[v])
        for v in flows.RECORDED
    ]
    assert max(means.values()) - min(means.values()) < 2 * max(stds)
    # and they end near fresh data's level: within 4 of its standard deviations above its mean
    assert all(level.z(m) < 4 for m in means.values())


def test_what_lesson_09b_says_about_the_samplers_holds_in_every_seed(recorded):
    for run in by_variant(recorded)["eps"]:
        for field in ("eps_theta", "eps_star"):
            for spacing in ("uniform", "karras"):
                # Heun is worse than DDIM at equal NFE from 5 to 19 evaluations; at 49 it finds every mode and is not
                # better by the distance beyond 10 % (with the trained network on Karras's spacing the lesson says only
                # that the distances overlap over the seeds: seed 0's Heun is lower; the mode report test below)
                for nfe in (5, 9, 19):
                    heun, ddim = (sampler_row(run, spacing, m, nfe, field)["sw"] for m in ("heun", "ddim"))
                    assert heun > ddim, (field, spacing, nfe)
                heun, ddim = (sampler_row(run, spacing, m, 49, field)["sw"] for m in ("heun", "ddim"))
                assert (field, spacing) == ("eps_theta", "karras") or heun > 0.9 * ddim, (field, spacing)
                assert sampler_row(run, spacing, "heun", 49, field)["modes_covered"] == 8
        # Heun-3 on uniform spacing fails with the network and with eps* alike: the solver's failure
        diagnosis = run["heun3"]
        ddim5 = sampler_row(run, "uniform", "ddim", 5, "eps_theta")["sw"]
        ddim5_star = sampler_row(run, "uniform", "ddim", 5, "eps_star")["sw"]
        assert diagnosis["heun3"]["sw"] > ddim5
        assert sampler_row(run, "uniform", "heun", 5, "eps_star")["sw"] > 1.2 * ddim5_star
        # the suspected cause does not hold: eps* at the predicted points changes Heun-3 by under 5 %, those points are
        # as likely under q_t as points on course, and the network's error there is near its error on course
        assert abs(diagnosis["heun3_exact_at_predicted"]["sw"] / diagnosis["heun3"]["sw"] - 1) < 0.05
        assert diagnosis["nll_predicted"] < diagnosis["nll_on_course"] + 0.2
        assert diagnosis["err_predicted"] < 1.5 * diagnosis["err_on_course"]
        # Karras spacing with Heun at 5 and 9 NFE fails even with eps*
        assert min(sampler_row(run, "karras", "heun", nfe, "eps_star")["sw"] for nfe in (5, 9)) > 1.0
        # ... and with eps* Heun-3 on uniform spacing finds no mode
        assert sampler_row(run, "uniform", "heun", 5, "eps_star")["modes_covered"] == 0


def test_what_lesson_09b_says_about_heun_at_49_nfe_holds_in_every_seed(recorded):
    """Lesson 09b, section 2: on Karras's spacing both solvers end at σ_min and, with the exact ε*, Heun leaves fewer
    samples between the modes with a −log q closer to the entropy (above it); on uniform spacing Heun's last step starts
    from a larger σ and its −log q with ε* lies below DDIM's, itself below the entropy (squeezed modes)."""
    entropy = mode_report(flows.reference_cloud(recorded["recipe"]["n"]), eight_gaussians())["entropy"]
    for run in by_variant(recorded)["eps"]:
        heun, ddim = (sampler_row(run, "karras", m, 49, "eps_star") for m in ("heun", "ddim"))
        assert heun["off_mode"] < ddim["off_mode"] and entropy < heun["nll"] < ddim["nll"], run["seed"]
        heun, ddim = (sampler_row(run, "uniform", m, 49, "eps_star") for m in ("heun", "ddim"))
        assert heun["nll"] < ddim["nll"] < entropy, run["seed"]


@pytest.mark.slow
def test_the_first_curve_point_of_seed_0_re_runs(recorded):
    recipe = {k: recorded["recipe"][k] for k in flows.DEFAULTS}
    every = recipe["every"]
    (run,) = [r for r in recorded["runs"] if r["variant"] == "flow" and r["seed"] == recorded["seeds"][0]]
    again = flows.curve_point("flow", recorded["seeds"][0], every, **recipe)
    assert again == pytest.approx(run["curve"][0]["sw"], rel=1e-3)


def test_the_exact_eps_rows_re_run(recorded):
    # ε* needs no training: seed 0's Heun-5 on Karras spacing re-runs to the recorded distance
    (run,) = [r for r in recorded["runs"] if r["variant"] == "eps" and r["seed"] == recorded["seeds"][0]]
    schedule, mixture = DiffusionSchedule.linear(1000), eight_gaussians()
    n = recorded["recipe"]["n"]
    x = flows.sample_exact(schedule, mixture, flows.start_points(n, run["seed"]), "karras", "heun", 5)
    assert sliced_wasserstein(x.float(), flows.reference_cloud(n)) == pytest.approx(
        sampler_row(run, "karras", "heun", 9, "eps_star")["sw"], rel=1e-4
    )


def test_the_learning_curves_carry_the_mode_report_at_100_nfe(recorded):
    """Each curve point's 100-NFE off-mode share and −log q come from the same samples as the record's 100-NFE row at the
    last step (own grid, same starting points); lesson 09b says flow matching is below the ε-model at every point of the
    first 5,000 steps (in every seed), and that at 500 and 1,000 steps the chain's first and last steps lower the share."""
    for run in recorded["runs"]:
        grid = "ddim" if run["variant"] == "eps" else "uniform"
        (row,) = [x for x in run["samples"] if x["grid"] == grid and x["nfe"] == flows.MODES_NFE]
        assert (run["curve"][-1]["off_mode_100"], run["curve"][-1]["nll_100"]) == (row["off_mode"], row["nll"])
    runs = by_variant(recorded)
    for eps, flow in zip(runs["eps"], runs["flow"]):
        early = [(e, f) for e, f in zip(eps["curve"], flow["curve"]) if e["step"] <= 5000]
        assert len(early) >= 10 and all(f["off_mode_100"] < e["off_mode_100"] for e, f in early), eps["seed"]
    for i in (0, 1):
        for eps, both, levels, flow in zip(*(runs[v] for v in ("eps", "flow-eps-both", "flow-eps-levels", "flow"))):
            share = [run["curve"][i]["off_mode_100"] for run in (eps, both, levels, flow)]
            assert share[0] > share[1] and share[2] > share[3], (i, eps["seed"])


def test_the_converged_trainings_of_lesson_09b_end_equal(recorded):
    """Lesson 09b, section 3: at 100 NFE on their own grids the four trainings' mean off-mode shares lie within twice the
    counting noise of a difference of two 3-seed means; their −log q split by grid (every run lower on DDIM's grid
    than every flow run on uniform s), as the exact fields' do."""
    n, seeds = recorded["recipe"]["n"], len(recorded["seeds"])

    def rows(variant, grid):
        return [
            x
            for r in recorded["runs"]
            if r["variant"] == variant
            for x in r["samples"]
            if x["grid"] == grid and x["nfe"] == 100
        ]

    means = [
        statistics.fmean(x["off_mode"] for x in rows(v, "ddim" if v == "eps" else "uniform")) for v in flows.RECORDED
    ]
    p = statistics.fmean(means)
    assert max(means) - min(means) < 2 * math.sqrt(2 * p * (1 - p) / (n * seeds))
    on_ddim = [x["nll"] for v in flows.RECORDED for x in rows(v, "ddim")]
    on_uniform = [x["nll"] for v in flows.RECORDED if v != "eps" for x in rows(v, "uniform")]
    assert len(on_ddim) == 4 * seeds and max(on_ddim) < min(on_uniform)


def test_what_lesson_09b_says_the_mode_report_shows_holds_in_every_seed(recorded):
    """Lesson 09b, sections 2-3: where the sliced distances overlap, the mode report separates — in every seed."""
    for seed in recorded["seeds"]:
        runs = {run["variant"]: run for run in recorded["runs"] if run["seed"] == seed}

        def off_mode(variant, grid, nfe, runs=runs):
            return next(x for x in runs[variant]["samples"] if x["grid"] == grid and x["nfe"] == nfe)["off_mode"]

        # at 100 NFE, each on its own grid: the four trainings within twice the counting noise of a difference of two
        # shares of N samples (no ordering is claimed)
        shares = [off_mode(v, "uniform", 100) for v in ("flow", "flow-eps-levels", "flow-eps-both")]
        shares.append(off_mode("eps", "ddim", 100))
        p, n = statistics.fmean(shares), recorded["recipe"]["n"]
        assert max(shares) - min(shares) < 2 * math.sqrt(2 * p * (1 - p) / n), seed
        # at 49 NFE, with eps_theta, Heun leaves fewer samples between the modes than DDIM on both spacings, with a lower
        # −log q (on uniform spacing partly its later last step squeezing the modes: the test above)
        samplers = [x for x in runs["eps"]["samplers"] if x["nfe"] == 49 and x["field"] == "eps_theta"]
        for spacing in ("uniform", "karras"):
            heun, ddim = (
                next(x for x in samplers if x["spacing"] == spacing and x["method"] == m) for m in ("heun", "ddim")
            )
            assert heun["off_mode"] < ddim["off_mode"] and heun["nll"] < ddim["nll"], (seed, spacing)
        # DDPM-1000 matches the data on the mode report: fewer samples between the modes than DDIM-49 even with eps*,
        # and a −log q within 0.02 nats of the entropy where DDIM-49's lies below it
        ddim49 = next(x for x in samplers if x["spacing"] == "uniform" and x["method"] == "ddim")
        (ddim49_star,) = [
            x
            for x in runs["eps"]["samplers"]
            if (x["nfe"], x["field"], x["spacing"], x["method"]) == (49, "eps_star", "uniform", "ddim")
        ]
        ddpm = next(x for x in runs["eps"]["samples"] if x["grid"] == "ddpm")
        entropy = mode_report(flows.reference_cloud(recorded["recipe"]["n"]), eight_gaussians())["entropy"]
        assert ddpm["off_mode"] < ddim49_star["off_mode"] < ddim49["off_mode"], seed
        assert abs(ddpm["nll"] - entropy) < 0.02 < entropy - ddim49["nll"], seed


def test_final_point_is_the_end_of_a_measured_run():
    """--final-only (the double-budget record) trains the same run in one piece: its end point equals the last curve
    point of measure's chunked run (the resume is exact), and its recipe is recorded with final_only."""
    (run,) = flows.measure((2,), variants=("flow",), **TINY)
    recipe = {**flows.DEFAULTS, **TINY}
    point = flows.final_point("flow", 2, recipe["steps"], *(recipe[k] for k in list(flows.DEFAULTS)[1:]))
    assert {k: point[k] for k in ("sw", "off_mode_100", "nll_100")} == {
        k: run["curve"][-1][k] for k in ("sw", "off_mode_100", "nll_100")
    }
    args = flows.parser().parse_args(["--final-only", "--steps", "8"])
    assert flows.recipe_of(args)["final_only"] is True and "final_only" not in flows.recipe_of(
        flows.parser().parse_args([])
    )


@pytest.mark.parametrize("name, factor", [("flows_double", 2), ("flows_quadruple", 4)])
def test_the_longer_budget_records_match_their_command_and_the_record(name, factor):
    """data/flows_double.json and flows_quadruple.json: the record's recipe on twice and four times the steps, end
    points only, every variant and seed."""
    recorded, longer = record.read_record("flows"), record.read_record(name)
    args = record.command_arguments(longer, flows.parser())
    assert flows.recipe_of(args) == longer["recipe"] and args.seeds == longer["seeds"] == recorded["seeds"]
    assert longer["recipe"] == {**recorded["recipe"], "steps": factor * recorded["recipe"]["steps"], "final_only": True}
    pairs = sorted((run["variant"], run["seed"]) for run in longer["runs"])
    assert pairs == sorted((run["variant"], run["seed"]) for run in recorded["runs"])
    assert all(run["steps"] == longer["recipe"]["steps"] for run in longer["runs"])
