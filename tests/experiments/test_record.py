"""The recorded-experiment frame: records are written atomically, read back checked, and name their command."""

import argparse
import json

import pytest
import torch

from ddpm_lessons.experiments import record
from ddpm_lessons.validation import InputError


def square_plus_threads(x):
    return x * x, torch.get_num_threads()


def make(tmp_path, argv=("--seeds", "1", "2")):
    parser = argparse.ArgumentParser()
    record.add_common_arguments(parser)
    parser.add_argument("--steps", type=int, default=3)
    args = parser.parse_args(list(argv) + ["--out", str(tmp_path / "r.json")])
    runs = [{"seed": s, "train_s": 1.5, "sample_s": 0.25, "value": s / 10} for s in args.seeds]
    runs[1]["cpu_s"] = 0.75  # a run's processor time, where it has one, counts instead of its wall times
    made = record.finish(
        prog="ddpm_lessons.experiments.example",
        argv=list(argv) + ["--out", str(tmp_path / "r.json")],
        what="an example",
        recipe={"steps": args.steps},
        seeds=args.seeds,
        workers=args.workers,
        started=0.0,
        runs=runs,
        out=args.out,
    )
    return parser, made


def test_a_record_round_trips_and_its_command_resolves_to_its_recipe(tmp_path, capsys):
    parser, made = make(tmp_path)
    assert capsys.readouterr().out.startswith("wrote ")
    read = record.read_record(tmp_path / "r.json")
    assert read == json.loads(json.dumps(made))
    assert read["cpu_time_s"] == 2.5 and read["seeds"] == [1, 2] and read["torch"] == torch.__version__
    args = record.command_arguments(read, parser)
    assert args.seeds == read["seeds"] and {"steps": args.steps} == read["recipe"]
    assert not list(tmp_path.glob(".*.tmp"))


def test_reading_a_missing_or_broken_record_names_the_problem(tmp_path):
    with pytest.raises(InputError, match="run its command first"):
        record.read_record(tmp_path / "none.json")
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(InputError, match="cannot read the record"):
        record.read_record(tmp_path / "bad.json")
    (tmp_path / "short.json").write_text(json.dumps({"what": "x", "runs": []}))
    with pytest.raises(InputError, match="lacks"):
        record.read_record(tmp_path / "short.json")
    with pytest.raises(InputError, match="no runs"):
        record.write_record({key: [] for key in record.REQUIRED_KEYS}, tmp_path / "empty.json")
    assert not (tmp_path / "empty.json").exists()


def test_spread_and_seed_checks():
    assert record.spread([1.0, 2.0, 3.0]) == {"mean": 2.0, "std": 1.0, "low": 1.0, "high": 3.0, "n": 3}
    assert record.spread([4])["std"] == 0.0
    for bad in ([], [1.0, float("nan")]):
        with pytest.raises(InputError, match="values"):
            record.spread(bad)
    assert record.check_seeds([0, 5]) == (0, 5)
    for bad, words in (([], "at least one"), ([1, 1], "must not repeat"), ([-1], "integers"), ([True], "integers")):
        with pytest.raises(InputError, match=words):
            record.check_seeds(bad)


def test_jobs_run_with_one_thread_each_and_give_the_same_results_in_processes():
    threads = torch.get_num_threads()
    here = record.run_jobs(square_plus_threads, [(2,), (3,)])
    assert here == [(4, 1), (9, 1)] and torch.get_num_threads() == threads
    timed = record.run_jobs(dict, [([("seed", 0)],)])  # a dict result gains its processor time
    assert timed[0]["seed"] == 0 and 0 <= timed[0]["cpu_s"] < 5
    assert record.run_jobs(square_plus_threads, [(2,), (3,)], workers=2) == here
    with pytest.raises(InputError, match="workers"):
        record.run_jobs(square_plus_threads, [(2,)], workers=0)


def test_a_command_that_is_not_python_dash_m_is_refused():
    with pytest.raises(InputError, match="python -m MODULE"):
        record.command_arguments({"command": "bash run.sh"}, argparse.ArgumentParser())


def test_training_in_segments_yields_each_stop_and_equals_one_long_run():
    from ddpm_lessons import DiffusionSchedule, MLPDenoiser
    from ddpm_lessons.data import toy_data

    data, schedule = toy_data("moons", 64, seed=0), DiffusionSchedule.linear(20)
    options = {"schedule": schedule, "seed": 1, "device": "cpu", "batch_size": 8}
    torch.manual_seed(0)
    segments = list(
        record.train_in_segments(MLPDenoiser(hidden=8, num_layers=1, num_timesteps=20), data, (2, 5), **options)
    )
    assert [stop for stop, _, _ in segments] == [2, 5] and all(seconds >= 0 for _, _, seconds in segments)
    torch.manual_seed(0)
    ((_, whole, _),) = record.train_in_segments(
        MLPDenoiser(hidden=8, num_layers=1, num_timesteps=20), data, (5,), **options
    )
    final = segments[-1][1]
    assert final.step == whole.step == 5
    assert all(torch.equal(a, b) for a, b in zip(final.ema.parameters(), whole.ema.parameters()))


def test_an_experiments_own_keys_follow_the_runs_in_the_written_and_the_printed_record(tmp_path, capsys):
    common = {"prog": "x", "argv": [], "what": "w", "recipe": {}, "seeds": [0], "workers": 1, "started": 0.0}
    runs, extra = [{"seed": 0, "cpu_s": 1.0}], {"reference": {"values": [0.1, 0.2]}}
    written = record.finish(**common, runs=runs, out=tmp_path / "r.json", extra=extra)
    assert list(written)[-2:] == ["runs", "reference"] and record.read_record(tmp_path / "r.json") == written
    capsys.readouterr()
    record.finish(**common, runs=runs, out=None, extra=extra)
    assert json.loads(capsys.readouterr().out)["reference"] == extra["reference"]


def test_experiment_parser_and_recipe_from():
    defaults = {"steps": 10, "lr": 0.5, "decay": "cosine"}
    parser = record.experiment_parser(
        "x",
        "d",
        defaults,
        ("a", "b", "c"),
        default_variants=("a",),
        choices={"decay": ("cosine", "none")},
        final_only="h",
    )
    args = parser.parse_args(["--steps", "4", "--variants", "b", "c"])
    assert record.recipe_from(args, defaults) == {"steps": 4, "lr": 0.5, "decay": "cosine", "variants": ["b", "c"]}
    args = parser.parse_args(["--final-only"])
    assert record.recipe_from(args, defaults) == {**defaults, "variants": ["a"], "final_only": True}
    with pytest.raises(SystemExit):
        parser.parse_args(["--decay", "linear"])
    without = record.experiment_parser("x", "d", defaults, ("a", "b"))
    assert without.parse_args([]).variants == ["a", "b"] and not hasattr(without.parse_args([]), "final_only")
