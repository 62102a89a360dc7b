"""Configuration records (ddpm_lessons.config): one place for the defaults, choices and checks that train() and the
command line share, and the records reproduce what the shipped checkpoints store."""

import dataclasses
import shlex

import pytest
import torch

from ddpm_lessons import InputError
from ddpm_lessons import config as cfg
from ddpm_lessons.checkpoints import load_checkpoint, read_manifest, shipped_path
from ddpm_lessons.cli import apply_recipe, build_model_from_args, config_from_args, parser
from ddpm_lessons.train import SETTINGS_ADDED_LATER

TRAIN_REQUIRED = ["train", "--data", "moons", "--model", "mlp", "--out", "x.pt", "--steps", "1"]


@pytest.mark.parametrize("record", [cfg.TrainConfig, *cfg.MODEL_CONFIGS.values()])
def test_command_line_defaults_and_choices_come_from_the_records(record):
    args = parser().parse_args(TRAIN_REQUIRED)
    assert config_from_args(record, args) == record()
    actions = {a.dest: a for a in parser()._subparsers._group_actions[0].choices["train"]._actions}
    for f, flag, _ in cfg.fields_with_flags(record):
        assert flag in actions[f.name].option_strings
        assert actions[f.name].help.startswith(f.metadata["help"])
    if record is cfg.TrainConfig:
        assert tuple(actions["optimizer"].choices) == cfg.choices_of(cfg.TrainConfig, "optimizer") == ("adam", "adamw")


def test_flags_reach_the_records():
    args = parser().parse_args(
        [
            *TRAIN_REQUIRED,
            "--lr",
            "1e-3",
            "--grad-clip",
            "0",
            "--layers",
            "5",
            "--channel-mults",
            "1,2",
            "--no-attention",
        ]
    )
    train = config_from_args(cfg.TrainConfig, args)
    assert (train.lr, train.grad_clip) == (1e-3, None)  # --grad-clip 0 switches clipping off
    assert config_from_args(cfg.MLPConfig, args).num_layers == 5
    unet = config_from_args(cfg.ResidualUNetConfig, args)
    assert (unet.channel_mults, unet.attention) == ((1, 2), False)
    with pytest.raises(SystemExit):
        parser().parse_args([*TRAIN_REQUIRED, "--channel-mults", "1,two"])


@pytest.mark.parametrize(
    "record, changes, words",
    [
        (cfg.TrainConfig, {"batch_size": 0}, "batch_size"),
        (cfg.TrainConfig, {"lr": float("nan")}, "lr must be finite"),
        (cfg.TrainConfig, {"lr": -1.0}, "lr must be a positive number"),
        (cfg.TrainConfig, {"optimizer": "sgd"}, "optimizer must be one of"),
        (cfg.TrainConfig, {"ema_decay": 1.0}, r"ema_decay must lie in \[0, 1\)"),
        (cfg.TrainConfig, {"label_dropout": 1.5}, "label_dropout"),
        (cfg.TrainConfig, {"grad_clip": float("inf")}, "grad_clip must be finite"),
        (cfg.TrainConfig, {"seed": -1}, "seed"),
        (cfg.TrainConfig, {"warmup": -1}, "warmup must be an integer >= 0"),
        (cfg.TrainConfig, {"batch_size": 10**9}, r"batch_size must be an integer <= 1,000,000 \(.*MAX_BATCH\)"),
        (cfg.TrainConfig, {"grad_clip": 0}, "grad_clip must be None or a positive number"),
        (cfg.CheckpointPolicy, {"path": 3}, "checkpoint_path must be a path"),
        (cfg.CheckpointPolicy, {"path": "a.pt", "every": 0}, "checkpoint_every must be an integer >= 1"),
        (cfg.CheckpointPolicy, {"every": 5}, "checkpoint_every needs checkpoint_path"),
        (cfg.CheckpointPolicy, {"stop_after": 0}, "stop_after must be an integer >= 1"),
        (cfg.CheckpointPolicy, {"resume": "yes"}, "resume must be True or False"),
        (cfg.CheckpointPolicy, {"resume": True}, "resume=True needs checkpoint_path"),
        (cfg.MLPConfig, {"hidden": 0}, "hidden"),
        (cfg.MLPConfig, {"num_layers": 2.5}, "num_layers"),
        (cfg.ResidualUNetConfig, {"channel_mults": ()}, "channel_mults"),
        (cfg.ResidualUNetConfig, {"dropout": 2.0}, "dropout"),
        (cfg.SeedUNetConfig, {"channel_sequence": (8,)}, "channel_sequence"),
    ],
)
def test_records_refuse_bad_values_by_name(record, changes, words):
    with pytest.raises(InputError, match=words):
        record(**changes)


@pytest.mark.parametrize(
    "changes, parameter, words",
    [
        ({"prediction": "score"}, "prediction", "prediction must be one of ('eps', 'x0', 'v'), got 'score'"),
        ({"weighting": "minsnr"}, "weighting", "weighting must be one of ('none', 'min-snr')"),
        ({"levels": "normal"}, "levels", "levels must be one of ('uniform', 'lognormal')"),
        ({"weighting": "min-snr", "snr_gamma": 0.0}, "snr_gamma", "snr_gamma must be > 0, got 0"),
        ({"weighting": "min-snr", "snr_gamma": float("inf")}, "snr_gamma", "snr_gamma must be finite"),
        ({"snr_gamma": 3.0}, "snr_gamma", "snr_gamma applies to weighting='min-snr' only, got snr_gamma=3.0"),
        ({"level_mean": 0.0}, "level_mean", "level_mean applies to levels='lognormal' only"),
        ({"level_std": 2.0}, "level_std", "level_std applies to levels='lognormal' only"),
        ({"levels": "lognormal", "level_std": -1.0}, "level_std", "level_std must be > 0"),
        ({"levels": "lognormal", "level_mean": "-1"}, "level_mean", "level_mean must be a real number"),
    ],
)
def test_the_target_weighting_and_levels_refuse_bad_values_by_name(changes, parameter, words):
    # issue 22, lesson A: a value that applies only with another option is refused, never silently ignored
    with pytest.raises(InputError) as error:
        cfg.TrainConfig(**changes)
    assert words in str(error.value) and error.value.parameter == parameter
    good = cfg.TrainConfig(prediction="v", weighting="min-snr", snr_gamma=1.0, levels="lognormal", level_mean=0.0)
    assert (good.snr_gamma, good.level_mean, good.level_std) == (1.0, 0.0, 1.2)


def test_replace_checks_names_and_values():
    base = cfg.TrainConfig(lr=1e-3)
    assert base.replace(batch_size=8) == cfg.TrainConfig(lr=1e-3, batch_size=8) and base.batch_size == 64
    with pytest.raises(
        InputError, match=r"got unknown keyword argument\(s\) 'learning_rate'; the valid ones are batch_size"
    ):
        base.replace(learning_rate=1e-3)
    with pytest.raises(InputError, match="batch_size must be an integer >= 1"):
        base.replace(batch_size=0)


def test_models_built_from_records_match_the_data():
    assert cfg.MLPConfig().build((2,), num_timesteps=50).config["data_dim"] == 2
    unet = cfg.ResidualUNetConfig(base_channels=8, channel_mults=(1, 2)).build(
        (1, 8, 8), num_timesteps=50, num_classes=10
    )
    assert unet.config["num_classes"] == 10 and unet.config["channel_mults"] == [1, 2]
    with pytest.raises(ValueError, match="points"):
        cfg.MLPConfig().build((1, 8, 8), num_timesteps=50)
    with pytest.raises(ValueError, match="residual-unet"):
        cfg.SeedUNetConfig().build((3, 32, 32), num_timesteps=50, num_classes=10)


def test_choices_of_needs_a_literal_field():
    assert cfg.choices_of(cfg.MLPConfig, "time_input") == ("sinusoidal", "scalar", "raw", "none")
    with pytest.raises(ValueError, match="fixed list of choices"):
        cfg.choices_of(cfg.TrainConfig, "lr")


def test_train_stores_the_record_it_was_given(tmp_path):
    from ddpm_lessons import DiffusionSchedule, train
    from ddpm_lessons.models import MLPDenoiser

    torch.manual_seed(0)
    state = train(
        MLPDenoiser(hidden=16, num_layers=1, num_timesteps=20),
        torch.randn(64, 2),
        schedule=DiffusionSchedule.linear(20),
        steps=3,
        batch_size=8,
        lr=1e-3,
        device="cpu",
        progress=False,
        checkpoint_path=tmp_path / "run.pt",
    )
    stored = load_checkpoint(tmp_path / "run.pt")["train_config"]
    expected = dataclasses.replace(cfg.TrainConfig(), batch_size=8, lr=1e-3).to_dict()
    assert {k: stored[k] for k in expected} == expected == {k: state.config[k] for k in expected}


@pytest.mark.parametrize("name", ["moons_ddpm.pt", "photo_ddpm.pt", "glyph_ddpm.pt"])
def test_the_recorded_command_rebuilds_each_shipped_checkpoint(name):
    """The manifest's command, parsed by today's CLI, gives the shipped file's model and training settings."""
    entry = read_manifest()[name]
    argv = shlex.split(entry["command"])[3:]  # after "python -m ddpm_lessons"
    args = parser().parse_args(argv)
    payload = load_checkpoint(shipped_path(name))
    data_shape = payload["train_config"]["data_shape"]
    model = build_model_from_args(args, torch.zeros(1, *data_shape), conditional=args.conditional)
    assert (type(model).__name__, model.config) == (payload["model_kind"], payload["model_config"])
    settings = config_from_args(cfg.TrainConfig, args).to_dict()
    stored = {**SETTINGS_ADDED_LATER, **payload["train_config"]}
    assert {k: stored[k] for k in settings} == settings


SHIPPED_RECIPES = {"moons_ddpm.pt": "moons-ddpm", "photo_ddpm.pt": "photo-ddpm", "glyph_ddpm.pt": "glyph-ddpm"}


@pytest.mark.parametrize("name", SHIPPED_RECIPES)
def test_each_shipped_checkpoint_has_its_recipe(name):
    """The recipe of a shipped file is exactly what its recorded command trains: settings, model and steps."""
    recipe, entry = cfg.RECIPES[SHIPPED_RECIPES[name]], read_manifest()[name]
    recorded = parser().parse_args(shlex.split(entry["command"])[3:])
    apply_recipe(recorded)
    assert config_from_args(cfg.TrainConfig, recorded) == recipe.config == cfg.TrainConfig.recipe(recipe.name)
    assert recorded.model == recipe.model and recorded.steps == recipe.steps == entry["steps"]
    assert all(getattr(recorded, key) == value for key, value in recipe.model_settings.items())
    assert all(getattr(recorded, key) == value for key, value in recipe.data.items())
    assert name in recipe.source and str(entry["steps"]) in recipe.measured.replace(",", "")
    # --recipe with the data flags alone gives the same run as the recorded command
    data_flags = shlex.split(entry["command"])[3:8]  # train --data NAME --model KIND
    by_recipe = parser().parse_args([*data_flags, "--out", "x.pt", "--recipe", recipe.name])
    apply_recipe(by_recipe)
    assert config_from_args(cfg.TrainConfig, by_recipe) == recipe.config and by_recipe.steps == recipe.steps
    shape = load_checkpoint(shipped_path(name))["train_config"]["data_shape"]
    conditional = recipe.data.get("conditional", False)
    built = [build_model_from_args(a, torch.zeros(1, *shape), conditional).config for a in (recorded, by_recipe)]
    assert built[0] == built[1]


def test_explicit_flags_override_the_recipe_and_unknown_names_are_refused():
    args = parser().parse_args([*TRAIN_REQUIRED, "--recipe", "digits-fast", "--lr", "2e-4", "--base-channels", "8"])
    apply_recipe(args)
    assert (args.lr, args.base_channels, args.steps) == (2e-4, 8, 1)  # given explicitly, even at the default value
    assert (args.warmup, args.ema_decay, args.label_dropout) == (100, 0.995, 0.1)  # from the recipe
    with pytest.raises(InputError, match="recipe must be one of digits-fast, glyph-ddpm, photo-ddpm, moons-ddpm"):
        cfg.TrainConfig.recipe("digits")
    for recipe in cfg.RECIPES.values():
        assert recipe.measured and recipe.source and recipe.steps > 0
