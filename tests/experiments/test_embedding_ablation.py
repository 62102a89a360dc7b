"""Lesson 04's time-input ablation: it runs, is deterministic, refuses bad arguments by name, and the committed
record is what its command says, converged, and backs every sentence the lesson builds on it."""

import json

import pytest

from ddpm_lessons.experiments import embedding_ablation as ablation
from ddpm_lessons.experiments.record import command_arguments, read_record
from ddpm_lessons.models import MLPDenoiser, count_parameters
from ddpm_lessons.validation import InputError

TINY = {"seeds": (3,), "curve": (2, 4), "samples": 8, "keep": 3, "variants": ("scalar", "none")}


@pytest.fixture(scope="module")
def recorded():
    return read_record("embedding_ablation")


def test_a_tiny_measurement_is_deterministic_and_keeps_the_first_seeds_samples():
    one = ablation.measure(**TINY)
    assert [(run["variant"], run["seed"]) for run in one] == [("scalar", 3), ("none", 3)]
    for run in one:
        assert [point["step"] for point in run["curve"]] == [2, 4] and run["swd"] == run["curve"][-1]["swd"]
        assert len(run["points"]) == 3 * 2 and run["parameters"] > 0
    again = ablation.measure(**TINY)
    strip = [{k: v for k, v in run.items() if not k.endswith("_s")} for run in one]
    assert strip == [{k: v for k, v in run.items() if not k.endswith("_s")} for run in again]
    two = ablation.measure(**{**TINY, "seeds": (3, 4), "variants": ("none",)})
    assert [len(run["points"]) for run in two] == [6, 0]  # only the first seed's samples are kept


def test_training_in_segments_equals_one_long_run():
    segmented = ablation.measure_one("scalar", 5, (2, 5), 8, keep=8)
    whole = ablation.measure_one("scalar", 5, (5,), 8, keep=8)
    assert segmented["curve"][-1] == whole["curve"][-1] and segmented["points"] == whole["points"]


def test_bad_arguments_name_the_parameter(monkeypatch):
    monkeypatch.setattr(ablation, "measure_one", lambda *a: pytest.fail("a run started"))
    for change, parameter in (
        ({"seeds": ()}, "seeds"),
        ({"seeds": (1, 1)}, "seeds"),
        ({"curve": ()}, "curve"),
        ({"curve": (4, 2)}, "curve"),
        ({"curve": (0, 2)}, "curve"),
        ({"samples": 1}, "samples"),
        ({"samples": 10**9}, "samples"),
        ({"keep": 9}, "keep"),
        ({"variants": ("scalar", "fourier")}, "variants"),
        ({"variants": ("scalar", "scalar")}, "variants"),
        ({"variants": ()}, "variants"),
    ):
        with pytest.raises(InputError) as error:
            ablation.measure(**{**TINY, **change})
        assert error.value.parameter == parameter, change


def test_the_command_line_writes_a_record_with_its_reference_level(tmp_path):
    out = tmp_path / "r.json"
    argv = ["--seeds", "2", "--curve", "1", "2", "--samples", "6", "--keep", "2", "--variants", "raw"]
    assert ablation.main([*argv, "--out", str(out)]) == 0
    written = read_record(out)
    args = command_arguments(written, ablation.parser())
    assert written["recipe"] == ablation.recipe_of(args) and written["seeds"] == args.seeds == [2]
    assert written["reference"]["n"] == 6 and len(written["reference"]["values"]) == ablation.RECIPE["reference_draws"]
    assert [run["variant"] for run in written["runs"]] == ["raw"] and not list(tmp_path.glob(".*.tmp"))
    assert ablation.verdicts(written) == {}  # one variant: nothing to compare


def test_verdicts_report_an_order_only_where_every_seed_agrees():
    def run(variant, seed, swd):
        return {
            "variant": variant,
            "seed": seed,
            "swd": swd,
            "curve": [{"step": 1, "swd": 1.0}, {"step": 2, "swd": swd}],
        }

    record = {
        "recipe": {"variants": ["a", "b", "c"]},
        "seeds": [0, 1],
        "runs": [run("a", 0, 0.1), run("b", 0, 0.2), run("c", 0, 0.3), run("a", 1, 0.1), run("b", 1, 0.05)]
        + [run("c", 1, 0.4)],
        "reference": {"name": "x", "n": 2, "values": [0.0, 0.1]},
    }
    assert ablation.verdicts(record) == {("a", "b"): "not distinguishable", ("a", "c"): "a < c", ("b", "c"): "b < c"}
    assert ablation.verdicts(record, step=1) == {pair: "not distinguishable" for pair in ablation.verdicts(record)}
    with pytest.raises(InputError, match="step must be one of"):
        ablation.verdicts(record, step=3)
    record["reference"]["values"] = [0.0, 0.09]  # one std: 0.064; every mean drops by more, none ends in [0, 0.09]
    assert ablation.converged(record) == {"a": "still improving", "b": "still improving", "c": "still improving"}
    record["reference"]["values"] = [0.0, 2.0]  # one std is now 1.41: every curve is flat
    assert ablation.converged(record) == {"a": "flat", "b": "flat", "c": "flat"}
    record["reference"]["values"] = [0.0, 0.05, 0.5]  # std 0.27, but a's mean falls by 0.9; a ends inside [0, 0.5]
    assert ablation.converged(record)["a"] == "at data's level"
    assert ablation.summary(record)["a"]["swd"]["mean"] == pytest.approx(0.1)


def test_the_committed_record_is_what_its_command_resolves_to(recorded):
    args = command_arguments(recorded, ablation.parser())
    assert recorded["recipe"] == ablation.recipe_of(args) and recorded["seeds"] == args.seeds
    assert recorded["recipe"]["variants"] == list(ablation.VARIANTS) and len(recorded["seeds"]) >= 3
    assert sorted((run["variant"], run["seed"]) for run in recorded["runs"]) == sorted(
        (variant, seed) for variant in ablation.VARIANTS for seed in recorded["seeds"]
    )
    for run in recorded["runs"]:
        assert [point["step"] for point in run["curve"]] == recorded["recipe"]["curve"]
        assert run["parameters"] == count_parameters(MLPDenoiser(time_input=run["variant"]))
        kept = recorded["recipe"]["keep"] if run["seed"] == recorded["seeds"][0] else 0
        assert len(run["points"]) == 2 * kept
    fresh = ablation.reference_level(recorded["recipe"]["samples"])
    assert recorded["reference"]["values"] == [round(v, 6) for v in fresh.values]


def test_every_recorded_variant_has_converged_as_far_as_the_metric_resolves(recorded):
    # what lesson 04 says of the curves: at the end of the recorded budget every one has flattened
    assert ablation.converged(recorded) == {"sinusoidal": "flat", "scalar": "flat", "raw": "flat", "none": "flat"}


def test_lesson_04s_sentences_hold_in_every_seed(recorded):
    curve = recorded["recipe"]["curve"]
    first, middle, end = curve[0], curve[1:-1], curve[-1]
    level = ablation.reference_of(recorded)
    table = ablation.summary(recorded)
    at = {step: ablation.verdicts(recorded, step) for step in curve}
    # "no t is the worst" once training has passed its first point; "raw is far off": above both informed inputs
    for step in curve[1:]:
        assert at[step]["raw", "none"] == "raw < none"
        for informed in ("sinusoidal", "scalar"):
            assert (
                at[step][informed, "raw"] == f"{informed} < raw" and at[step][informed, "none"] == f"{informed} < none"
            )
    # after 500 steps the order is different: the raw input is the worst (its distance above 100), and the
    # sinusoidal is ahead of the scalar
    assert at[first]["raw", "none"] == "none < raw" and at[first]["sinusoidal", "scalar"] == "sinusoidal < scalar"
    assert min(run["curve"][0]["swd"] for run in recorded["runs"] if run["variant"] == "raw") > 100
    # on the way the scalar is ahead in every seed, at the first of those points by more than fresh data's sd ...
    assert all(at[step]["sinusoidal", "scalar"] == "scalar < sinusoidal" for step in middle)
    by = {(run["variant"], run["seed"]): run["curve"] for run in recorded["runs"]}
    gaps = [by["sinusoidal", seed][1]["swd"] - by["scalar", seed][1]["swd"] for seed in recorded["seeds"]]
    assert min(gaps) > level.std
    # ... and at the end the order flips between seeds: both inside fresh data's range in every seed
    assert at[end]["sinusoidal", "scalar"] == "not distinguishable"
    assert table["sinusoidal"]["inside"] == table["scalar"]["inside"] == len(recorded["seeds"])
    # raw and none far above it: about 15 and 32 of fresh data's standard deviations
    assert 12 < table["raw"]["z"]["low"] and table["raw"]["z"]["high"] < 18
    assert 28 < table["none"]["z"]["low"] and table["none"]["z"]["high"] < 36


def test_the_first_curve_point_of_the_first_run_re_runs_to_its_recorded_value(recorded):
    first = next(run for run in recorded["runs"] if run["seed"] == recorded["seeds"][0])
    step = recorded["recipe"]["curve"][0]
    again = ablation.measure_one(first["variant"], first["seed"], (step,), recorded["recipe"]["samples"])
    # bit-for-bit on the machine that wrote the record; elsewhere the kernels may round differently
    assert again["swd"] == pytest.approx(first["curve"][0]["swd"], abs=1e-3)


def test_the_record_is_json_with_the_frames_keys(recorded):
    assert json.loads(json.dumps(recorded)) == recorded and recorded["cpu_time_s"] > 0
