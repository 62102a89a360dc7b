"""train(): exact resume, EMA, label dropout, the config + overrides + checkpoint-policy edge, the forward process it
records, divergence, and the checkpoints it refuses to resume from."""

import math

import pytest
import torch
from tiny_runs import RECIPE, SCHEDULE, glyph_like, run, tiny_unet

from ddpm_lessons import DiffusionSchedule, InputError
from ddpm_lessons.checkpoints import CheckpointError, load_checkpoint, save_checkpoint
from ddpm_lessons.config import CheckpointPolicy, TrainConfig
from ddpm_lessons.data import toy_data
from ddpm_lessons.flow import FlowObjective
from ddpm_lessons.models import MLPDenoiser, ResidualUNet
from ddpm_lessons.train import DataRangeWarning, TrainingDivergedError, learning_rate, train


def tiny_mlp():
    torch.manual_seed(0)
    return MLPDenoiser(hidden=16, num_layers=1, num_timesteps=50)


def same_weights(a, b):
    return all(torch.equal(p, q) for p, q in zip(a.state_dict().values(), b.state_dict().values()))


def test_resume_is_exact(tmp_path):
    full = run(tmp_path, 10, name="full.pt")
    first = run(tmp_path, 10, stop_after=4, name="split.pt")
    assert first.step == 4
    resumed = run(tmp_path, 10, resume=True, name="split.pt")
    assert resumed.step == 10
    assert resumed.history["loss"] == full.history["loss"], "same losses, step for step"
    assert same_weights(full.model, resumed.model) and same_weights(full.ema, resumed.ema)
    assert resumed.history["bucket_count"] == full.history["bucket_count"]


def test_learning_rate_warms_up_then_decays_on_a_cosine_to_zero():
    peak = 1e-3
    constant = TrainConfig(lr=peak, warmup=4)
    assert [learning_rate(constant, k) for k in (0, 1, 3, 4, 10_000)] == pytest.approx(
        [peak / 4, peak / 2, peak, peak, peak]
    )
    cosine = TrainConfig(lr=peak, warmup=4, decay_steps=100)
    assert learning_rate(cosine, 3) == learning_rate(cosine, 4) == pytest.approx(peak)  # decay starts after warm-up
    assert learning_rate(cosine, 4 + 50) == pytest.approx(peak / 2)  # half way: cos(π/2) = 0
    assert learning_rate(cosine, 4 + 25) == pytest.approx(peak * (1 + 2**-0.5) / 2)
    assert learning_rate(cosine, 4 + 99) == pytest.approx(peak * (1 - math.cos(math.pi / 100)) / 2)  # last step > 0
    assert learning_rate(cosine, 4 + 100) == learning_rate(cosine, 10_000) == 0.0
    steps = [learning_rate(cosine, k) for k in range(4, 105)]
    assert all(a > b for a, b in zip(steps, steps[1:-1])), "falls at every step until it reaches 0"


def test_the_optimizer_takes_the_scheduled_rate_and_a_decaying_run_resumes_exactly(tmp_path):
    data = toy_data("moons", 256, seed=0)
    options = {"schedule": SCHEDULE, "steps": 8, "batch_size": 16, "lr": 1e-2, "warmup": 2, "decay_steps": 5}
    options |= {"device": "cpu", "progress": False}
    full = train(tiny_mlp(), data, **options)
    assert full.optimizer.param_groups[0]["lr"] == learning_rate(TrainConfig(lr=1e-2, warmup=2, decay_steps=5), 7) == 0
    split = tmp_path / "split.pt"
    train(tiny_mlp(), data, **options, checkpoint_path=split, stop_after=3)
    resumed = train(tiny_mlp(), data, **options, checkpoint_path=split, resume=True)
    assert resumed.history["loss"] == full.history["loss"] and same_weights(full.model, resumed.model)


def test_a_checkpoint_older_than_decay_steps_resumes_as_a_constant_rate_run(tmp_path):
    data = toy_data("moons", 256, seed=0)
    options = {"schedule": SCHEDULE, "batch_size": 16, "lr": 1e-2, "device": "cpu", "progress": False}
    path = tmp_path / "old.pt"
    train(tiny_mlp(), data, steps=3, **options, checkpoint_path=path)
    payload = load_checkpoint(path)
    del payload["train_config"]["decay_steps"]  # as written before the field existed
    save_checkpoint(path, payload)
    assert train(tiny_mlp(), data, steps=5, **options, checkpoint_path=path, resume=True).step == 5
    with pytest.raises(CheckpointError, match="other settings.*'decay_steps': \\(0, 10\\)"):
        train(tiny_mlp(), data, steps=6, **options, decay_steps=10, checkpoint_path=path, resume=True)


def test_resume_refuses_another_model_settings_or_schedule(tmp_path):
    run(tmp_path, 3, name="a.pt")
    x, labels = glyph_like()
    options = {**RECIPE, "steps": 6, "device": "cpu", "checkpoint_path": tmp_path / "a.pt", "resume": True}
    other = ResidualUNet(in_channels=1, base_channels=16, channel_mults=(1, 2), num_classes=10)
    with pytest.raises(CheckpointError, match="a.pt belongs to a different model"):
        train(other, (x, labels), schedule=SCHEDULE, progress=False, **options)
    with pytest.raises(CheckpointError, match="other settings.*'lr'"):
        train(tiny_unet(num_classes=10), (x, labels), schedule=SCHEDULE, progress=False, **(options | {"lr": 5e-3}))
    with pytest.raises(CheckpointError, match="a.pt was trained with another schedule"):
        train(tiny_unet(num_classes=10), (x, labels), schedule=DiffusionSchedule.cosine(50), progress=False, **options)


def test_training_reduces_loss_and_ema_differs():
    torch.manual_seed(0)
    data = torch.randn(512, 2) * 0.1 + torch.tensor([0.5, -0.5])
    state = train(
        MLPDenoiser(hidden=32, num_layers=1, num_timesteps=50),
        data,
        schedule=SCHEDULE,
        steps=150,
        batch_size=64,
        lr=3e-3,
        ema_decay=0.9,
        seed=0,
        device="cpu",
        progress=False,
    )
    first, last = sum(state.history["loss"][:20]) / 20, sum(state.history["loss"][-20:]) / 20
    assert last < 0.7 * first
    assert sum(state.history["bucket_count"]) == 150 * 64
    assert not torch.equal(next(state.ema.parameters()), next(state.model.parameters()))


def test_a_config_with_overrides_is_the_same_run_as_keywords():
    data = torch.randn(64, 2)
    keywords = train(tiny_mlp(), data, schedule=SCHEDULE, steps=4, batch_size=8, lr=1e-3, seed=2, progress=False)
    config = TrainConfig(batch_size=8, lr=5e-3, seed=2)
    overridden = train(tiny_mlp(), data, config, schedule=SCHEDULE, steps=4, lr=1e-3, progress=False)
    assert overridden.history["loss"] == keywords.history["loss"]
    assert same_weights(overridden.ema, keywords.ema)
    assert overridden.config["lr"] == 1e-3 and config.lr == 5e-3, "an override replaces the field; config is kept"


def test_a_checkpoint_policy_is_the_same_as_its_keywords(tmp_path):
    data = torch.randn(64, 2)
    options = {"schedule": SCHEDULE, "steps": 6, "batch_size": 8, "progress": False}
    train(tiny_mlp(), data, **options, checkpoint_path=tmp_path / "k.pt", checkpoint_every=2, stop_after=3)
    keywords = train(tiny_mlp(), data, **options, checkpoint_path=tmp_path / "k.pt", resume=True)
    policy = CheckpointPolicy(tmp_path / "p.pt", every=2, stop_after=3)
    assert train(tiny_mlp(), data, **options, checkpoint=policy).step == 3
    resumed = train(tiny_mlp(), data, **options, checkpoint=CheckpointPolicy(tmp_path / "p.pt", resume=True))
    assert resumed.history["loss"] == keywords.history["loss"] and same_weights(resumed.ema, keywords.ema)
    assert load_checkpoint(tmp_path / "p.pt")["step"] == 6


@pytest.mark.parametrize(
    "options, words",
    [
        (
            {"bach_size": 8},
            r"train\(\) got unknown keyword argument\(s\) 'bach_size'; the valid ones are config, steps, .*, batch_size, lr, .*, stop_after$",
        ),
        ({"steps": 10.5}, "steps must be an integer"),
        ({"model": lambda x, t: x}, "model must be an nn.Module, got function"),
        ({"config": {"lr": 1e-3}}, "config must be a TrainConfig or None, got dict"),
        ({"checkpoint": "run.pt"}, "checkpoint must be a CheckpointPolicy or None, got str"),
        ({"checkpoint": CheckpointPolicy("a.pt"), "checkpoint_every": 2}, "give the checkpoint settings once"),
        ({"objective": FlowObjective()}, "schedule and forward belong to the default objective"),
        ({"objective": object(), "schedule": None}, "objective must be an objective like EpsObjective; it lacks kind"),
        ({"schedule": None}, "schedule must be a DiffusionSchedule, got NoneType"),
        ({"forward": "q_sample"}, "forward must be a function"),
        ({"progress": "no"}, "progress must be True or False"),
    ],
)
def test_bad_arguments_are_refused_before_training(options, words):
    with pytest.raises(InputError, match=words):
        train(**({"model": tiny_mlp(), "data": torch.randn(16, 2), "schedule": SCHEDULE, "steps": 2} | options))


def test_bad_data_is_refused_naming_what_is_wrong():
    data = torch.randn(64, 2)
    data[3, 1] = float("nan")
    with pytest.raises(InputError, match="data must be finite: 1 of 64 examples"):
        train(tiny_mlp(), data, schedule=SCHEDULE, steps=1, progress=False)
    with pytest.raises(InputError, match=r"labels must be a tensor of shape \(16,\)"):
        train(tiny_unet(num_classes=10), (torch.zeros(16, 1, 8, 8), torch.zeros(8)), schedule=SCHEDULE, steps=1)
    with pytest.raises(InputError, match="label_dropout needs a class-conditional model"):
        train(tiny_mlp(), torch.randn(16, 2), schedule=SCHEDULE, steps=1, label_dropout=0.1)
    with pytest.raises(InputError, match=r"data must hold at least one example, got shape \(0, 2\)"):
        train(tiny_mlp(), torch.zeros(0, 2), schedule=SCHEDULE, steps=1)


def test_class_labels_are_checked_once_and_never_become_the_null_class():
    x, labels = glyph_like(16)
    nine_classes = ResidualUNet(in_channels=1, base_channels=8, channel_mults=(1, 2), num_classes=9)
    with pytest.raises(InputError, match=r"labels must lie in \[0, 9\) .*num_classes = 9 .*null class.*, got 9$"):
        train(nine_classes, (x, torch.arange(16) % 10), schedule=SCHEDULE, steps=1)
    with pytest.raises(InputError, match="labels must be an integer tensor .*got torch.float32"):
        train(tiny_unet(num_classes=10), (x, labels.float()), schedule=SCHEDULE, steps=1)
    as_int64 = train(tiny_unet(num_classes=10), (x, labels), schedule=SCHEDULE, steps=2, progress=False, seed=1)
    as_int32 = train(tiny_unet(num_classes=10), (x, labels.int()), schedule=SCHEDULE, steps=2, progress=False, seed=1)
    assert as_int32.history["loss"] == as_int64.history["loss"], "int32 labels are converted losslessly"


def test_the_whole_data_set_is_checked_against_the_model_before_the_first_step():
    x, labels = glyph_like(16)
    unet = tiny_unet(num_classes=10)
    with pytest.raises(
        InputError,
        match=r"data has shape \(16, 8, 8\) and dtype torch.float32; the model \(ResidualUNet\) "
        r"expects \(N, C, H, W\) with C = 1; add the channel axis: x.unsqueeze\(1\)",
    ):
        train(unet, (x[:, 0], labels), schedule=SCHEDULE, steps=1)
    with pytest.raises(InputError, match=r"data has shape \(16, 3, 8, 8\) .*expects \(N, C, H, W\) with C = 1$"):
        train(unet, (x.expand(16, 3, 8, 8), labels), schedule=SCHEDULE, steps=1)
    with pytest.raises(
        InputError, match=r"data has shape \(16, 1, 7, 7\) .*which ResidualUNet cannot take: x height 7"
    ):
        train(unet, (x[..., :7, :7], labels), schedule=SCHEDULE, steps=1)
    with pytest.raises(InputError, match=r"data has shape \(16, 3\) .*the model \(MLPDenoiser\) expects \(N, 2\)"):
        train(tiny_mlp(), torch.randn(16, 3), schedule=SCHEDULE, steps=1)


def test_integer_images_are_refused_with_how_to_rescale():
    pixels = torch.randint(0, 256, (16, 1, 8, 8), dtype=torch.uint8)
    with pytest.raises(
        InputError,
        match=r"data must be a float tensor in \[−1, 1\]; data has shape \(16, 1, 8, 8\) "
        r"and dtype torch.uint8 with values in \[\d+, \d+\]: rescale it, e.g. x.float\(\) / 127.5 - 1",
    ):
        train(tiny_unet(), pixels, schedule=SCHEDULE, steps=1)


def test_labels_must_match_the_models_conditioning():
    x, labels = glyph_like(16)
    with pytest.raises(InputError, match=r"labels were given but the model \(ResidualUNet\) is unconditional"):
        train(tiny_unet(), (x, labels), schedule=SCHEDULE, steps=1)
    with pytest.raises(InputError, match=r"labels were given but the model \(MLPDenoiser\) is unconditional"):
        train(tiny_mlp(), (torch.randn(16, 2), labels), schedule=SCHEDULE, steps=1)
    with pytest.raises(InputError, match=r"labels are missing: the model is class-conditional \(num_classes = 10\)"):
        train(tiny_unet(num_classes=10), x, schedule=SCHEDULE, steps=1)


@pytest.mark.parametrize(
    ("scale", "shift", "found"),
    [(127.5, 127.5, r"\[0, 255\]"), (8.0, 8.0, r"\[0, 16\]"), (20.0, 0.0, r"\[-20, 20\]")],
)
def test_data_far_from_the_unit_range_is_warned_with_the_range_found(scale, shift, found):
    x = torch.linspace(-1, 1, 16 * 64).reshape(16, 1, 8, 8) * scale + shift
    with pytest.warns(DataRangeWarning, match=rf"values in {found}, far from \[−1, 1\].*rescale it") as caught:
        train(tiny_unet(), x, schedule=SCHEDULE, steps=1, progress=False)
    assert caught[0].filename == __file__, "the warning points at the caller of train()"


@pytest.mark.parametrize("name", ["moons", "swiss_roll", "checkerboard", "gaussian_mixture", "mixture1d"])
def test_the_course_data_sets_raise_no_range_warning(name, recwarn):
    x = toy_data(name, 20000, seed=0)
    dim = x.shape[1]
    train(
        MLPDenoiser(data_dim=dim, hidden=8, num_layers=1, num_timesteps=50),
        x,
        schedule=SCHEDULE,
        steps=1,
        progress=False,
    )
    images = glyph_like(16)[0]
    train(tiny_unet(), images, schedule=SCHEDULE, steps=1, progress=False)
    assert not [w for w in recwarn if issubclass(w.category, DataRangeWarning)]


def test_a_recipe_is_the_same_run_as_its_settings_given_as_keywords():
    x, labels = glyph_like(16)
    recipe = TrainConfig.recipe("digits-fast")
    assert recipe == TrainConfig(batch_size=64, lr=2e-3, warmup=100, ema_decay=0.995, label_dropout=0.1)
    by_name = train(tiny_unet(num_classes=10), (x, labels), recipe, schedule=SCHEDULE, steps=2, progress=False)
    by_keywords = train(
        tiny_unet(num_classes=10), (x, labels), schedule=SCHEDULE, steps=2, progress=False, **recipe.to_dict()
    )
    assert by_name.history["loss"] == by_keywords.history["loss"]


def test_train_accepts_a_forward_process_and_records_its_name():
    from ddpm_lessons.course.failures import q_sample_noise_not_sqrt

    data = toy_data("moons", 512, seed=0)
    state = train(
        tiny_mlp(),
        data,
        schedule=DiffusionSchedule.linear(50),
        steps=3,
        batch_size=32,
        seed=0,
        device="cpu",
        progress=False,
        forward=q_sample_noise_not_sqrt,
    )
    assert state.config["forward"] == "q_sample_noise_not_sqrt"


def test_a_diverging_run_stops_naming_the_step_and_keeps_the_last_good_checkpoint(tmp_path):
    calls = []

    def forward_that_breaks(schedule, x0, t, noise):
        calls.append(1)
        x_t = schedule.sqrt_alphas_cumprod[t][:, None] * x0 + schedule.sqrt_one_minus_alphas_cumprod[t][:, None] * noise
        return x_t * float("nan") if len(calls) > 5 else x_t

    out = tmp_path / "run.pt"
    torch.manual_seed(0)
    with pytest.raises(TrainingDivergedError, match="diverged at step 6"):
        train(
            MLPDenoiser(hidden=16, num_layers=1, num_timesteps=20),
            torch.randn(64, 2),
            schedule=DiffusionSchedule.linear(20),
            steps=10,
            batch_size=8,
            device="cpu",
            progress=False,
            checkpoint_path=out,
            checkpoint_every=2,
            forward=forward_that_breaks,
        )
    kept = load_checkpoint(out)
    assert kept["step"] == 4
    assert all(torch.isfinite(w).all() for w in kept["model"].values())


def test_a_batch_above_the_ceilings_is_refused_before_any_draw(monkeypatch):
    import time

    monkeypatch.setattr(torch, "randn", lambda *a, **k: pytest.fail("a batch was drawn"))
    for batch_size, words in (
        (10**9, r"batch_size must be an integer <= 1,000,000 \(the package's ceiling MAX_BATCH\)"),
        (500_000, r"batch_size \(500000, 1, 32, 32\) asks for 512,000,000 values at once; the ceiling is 268,435,456"),
    ):
        model = ResidualUNet(in_channels=1, base_channels=8, channel_mults=(1,))
        started = time.perf_counter()
        with pytest.raises(InputError, match=words) as info:
            train(model, torch.zeros(4, 1, 32, 32), schedule=SCHEDULE, steps=1, batch_size=batch_size, progress=False)
        assert info.value.parameter == "batch_size" and time.perf_counter() - started < 1


def test_a_data_info_that_a_checkpoint_could_not_hold_is_refused_before_step_1(tmp_path):
    import pathlib

    model = MLPDenoiser(hidden=8, num_layers=1, num_timesteps=len(SCHEDULE))
    policy = CheckpointPolicy(tmp_path / "run.pt", every=1)
    with pytest.raises(InputError, match=r"data_info\['path'\] is a pathlib") as error:
        train(
            model,
            toy_data("moons", 32),
            steps=2,
            schedule=SCHEDULE,
            checkpoint=policy,
            progress=False,
            data_info={"path": pathlib.Path("moons.csv")},
        )
    assert error.value.parameter == "data_info"
    assert not (tmp_path / "run.pt").exists()
    with pytest.raises(InputError, match="data_info must be a dict"):
        train(model, toy_data("moons", 32), steps=1, schedule=SCHEDULE, progress=False, data_info="moons")


# ------------------------------------------------- issue 22, lesson A: targets, min-SNR weighting, log-normal levels
class _LSimpleAsBefore:
    """EpsObjective as it was before issue 22 added targets and levels, copied: t ~ U{0, …, T−1} by randint,
    x_t by the closed form, F.mse_loss(ε_θ, ε). The default objective must train exactly this, bit for bit."""

    kind, settings = "ddpm", {}

    def __init__(self, schedule):
        self.schedule = schedule

    def to(self, device):
        return _LSimpleAsBefore(self.schedule.to(device=device))

    def check(self, model):
        pass

    def draw(self, batch, generator):
        return torch.randint(0, len(self.schedule), (batch,), generator=generator)

    def loss(self, model, x0, t, noise, labels):
        from ddpm_lessons import kernels

        s = self.schedule
        x_t = kernels.q_sample(s.sqrt_alphas_cumprod, s.sqrt_one_minus_alphas_cumprod, x0, t, noise)
        eps = model(x_t, t)
        return torch.nn.functional.mse_loss(eps, noise), eps.detach() - noise

    def bucket(self, t, buckets):
        return (t.cpu() * buckets) // len(self.schedule)


TOY = {"steps": 12, "batch_size": 16, "lr": 1e-2, "device": "cpu", "progress": False}


def test_the_default_target_weighting_and_levels_train_l_simple_bit_for_bit():
    data = toy_data("moons", 256, seed=0)
    before = train(tiny_mlp(), data, objective=_LSimpleAsBefore(SCHEDULE), **TOY)
    default = train(tiny_mlp(), data, schedule=SCHEDULE, **TOY)
    spelled = train(tiny_mlp(), data, schedule=SCHEDULE, prediction="eps", weighting="none", levels="uniform", **TOY)
    for state in (default, spelled):
        assert state.history["loss"] == before.history["loss"], "the same losses, step for step"
        assert state.history["bucket_loss"] == before.history["bucket_loss"]
        assert same_weights(state.model, before.model) and same_weights(state.ema, before.ema)
    assert {default.config[k] for k in ("prediction", "weighting", "levels")} == {"eps", "none", "uniform"}


class _Affine(torch.nn.Module):
    """f(x, t) = 0.7 x + 0.01 t: a fixed float64 "network" whose loss is computed by hand below."""

    def forward(self, x, t):
        return 0.7 * x + 0.01 * t.to(x.dtype)[:, None]


@pytest.mark.parametrize("prediction", ["eps", "x0", "v"])
@pytest.mark.parametrize("weighting", ["none", "min-snr"])
def test_each_target_is_the_mse_against_its_own_target_times_its_min_snr_factor(prediction, weighting):
    from ddpm_lessons import score
    from ddpm_lessons.losses import min_snr_weight
    from ddpm_lessons.train import EpsObjective

    schedule = SCHEDULE.to(dtype=torch.float64)
    config = TrainConfig(prediction=prediction, weighting=weighting, snr_gamma=2.0 if weighting == "min-snr" else 5.0)
    objective = EpsObjective(schedule, config=config)
    g = torch.Generator().manual_seed(1)
    x0, noise = (
        torch.randn(32, 2, generator=g, dtype=torch.float64),
        torch.randn(32, 2, generator=g, dtype=torch.float64),
    )
    t = torch.randint(0, 50, (32,), generator=g)
    loss, residual = objective.loss(_Affine(), x0, t, noise, None)
    ab = schedule.alphas_cumprod[t]
    x_t = ab.sqrt()[:, None] * x0 + (1 - ab).sqrt()[:, None] * noise
    target = {"eps": noise, "x0": x0, "v": score.v_from_eps(x_t, noise, ab)}[prediction]
    error = _Affine()(x_t, t) - target
    weight = min_snr_weight(ab / (1 - ab), prediction, 2.0) if weighting == "min-snr" else torch.ones(32)
    assert torch.allclose(residual, error, rtol=0, atol=1e-14), "the residual is the error on the run's own target"
    assert loss.item() == pytest.approx((weight * error.pow(2).mean(dim=1)).mean().item(), rel=1e-12)


def test_a_v_model_with_min_snr_and_log_normal_levels_resumes_exactly_and_records_its_settings(tmp_path):
    data = toy_data("moons", 256, seed=0)
    options = TOY | {"schedule": SCHEDULE, "prediction": "v", "weighting": "min-snr", "snr_gamma": 3.0}
    options |= {"levels": "lognormal", "level_mean": -0.5, "level_std": 1.0}
    full = train(tiny_mlp(), data, **options)
    split = tmp_path / "split.pt"
    train(tiny_mlp(), data, **options, checkpoint_path=split, stop_after=5)
    resumed = train(tiny_mlp(), data, **options, checkpoint_path=split, resume=True)
    assert resumed.history["loss"] == full.history["loss"] and same_weights(full.model, resumed.model)
    assert resumed.history["bucket_count"] == full.history["bucket_count"]
    stored = load_checkpoint(split)["train_config"]
    assert {k: stored[k] for k in ("prediction", "weighting", "snr_gamma", "levels", "level_mean", "level_std")} == {
        "prediction": "v",
        "weighting": "min-snr",
        "snr_gamma": 3.0,
        "levels": "lognormal",
        "level_mean": -0.5,
        "level_std": 1.0,
    }
    with pytest.raises(CheckpointError, match="other settings.*'prediction': \\('v', 'x0'\\)"):
        train(tiny_mlp(), data, **(options | {"prediction": "x0", "steps": 14}), checkpoint_path=split, resume=True)


def test_log_normal_levels_are_drawn_with_the_level_probabilities():
    from ddpm_lessons.train import EpsObjective, level_probabilities

    objective = EpsObjective(SCHEDULE, config=TrainConfig(levels="lognormal"))
    draws = objective.draw(200_000, torch.Generator().manual_seed(0))
    counts = torch.bincount(draws, minlength=50).double() / len(draws)
    expected = level_probabilities(SCHEDULE, "lognormal", -1.2, 1.2)
    assert (counts - expected).abs().max() < 0.004  # 4 standard errors of the largest share (≈ 0.1)
    assert counts[expected == 0].sum() == 0


def test_level_probabilities_are_normalised_and_peak_at_the_sigma_of_p_mean():
    from ddpm_lessons.train import level_probabilities

    schedule = DiffusionSchedule.linear(1000, dtype=torch.float64)
    uniform = level_probabilities(schedule)
    assert torch.equal(uniform, torch.full((1000,), 1e-3, dtype=torch.float64))
    log_sigma = 0.5 * torch.log((1 - schedule.alphas_cumprod) / schedule.alphas_cumprod)
    width = torch.gradient(log_sigma)[0]
    for mean, std in ((-1.2, 1.2), (0.5, 0.4), (2.0, 2.0)):
        p = level_probabilities(schedule, "lognormal", mean, std)
        assert p.dtype == torch.float64 and (p > 0).all() and abs(p.sum().item() - 1) < 1e-12
        mode = int((p / width).argmax())  # the density in ln σ
        assert mode == int((log_sigma - mean).abs().argmin()), (mean, std)
        if std < 1:  # far from the schedule's ends (ln σ from −4.6 to 5.1), the moments are the log-normal's
            assert abs((p * log_sigma).sum().item() - mean) < 1e-3
            assert abs(((p * (log_sigma - mean) ** 2).sum().item()) ** 0.5 - std) < 1e-3
    zero_snr = level_probabilities(schedule.zero_terminal_snr(), "lognormal")
    assert zero_snr[-1] == 0 and torch.isfinite(zero_snr).all() and abs(zero_snr.sum().item() - 1) < 1e-12


@pytest.mark.parametrize(
    "kwargs, parameter, words",
    [
        ({"levels": "normal"}, "levels", "levels must be one of ('uniform', 'lognormal')"),
        ({"levels": "lognormal", "std": 0.0}, "std", "std must be > 0"),
        ({"levels": "lognormal", "std": float("nan")}, "std", "std must be finite"),
        ({"levels": "lognormal", "mean": "0"}, "mean", "mean must be a real number"),
        ({"levels": "uniform", "mean": 0.0}, "mean", "mean and std apply to levels='lognormal' only"),
        ({"levels": "uniform", "std": 2.0}, "std", "mean and std apply to levels='lognormal' only"),
        ({"levels": "lognormal", "mean": 1e6}, "mean", "puts no mass on the schedule's ln sigma"),
        ({"schedule": "linear"}, "schedule", "schedule"),
    ],
)
def test_level_probabilities_refuse_bad_input_by_name(kwargs, parameter, words):
    from ddpm_lessons.train import level_probabilities

    kwargs = {"schedule": SCHEDULE} | kwargs
    with pytest.raises(InputError) as error:
        level_probabilities(**kwargs)
    assert words in str(error.value) and error.value.parameter == parameter


def test_eps_prediction_is_refused_on_a_zero_terminal_snr_schedule_and_v_trains_on_it(tmp_path):
    from ddpm_lessons.sampling import sample
    from ddpm_lessons.train import load_trained

    zero = SCHEDULE.zero_terminal_snr()
    data = toy_data("moons", 256, seed=0)
    with pytest.raises(InputError) as error:
        train(tiny_mlp(), data, schedule=zero, **TOY)
    assert "zero-terminal-SNR schedule" in str(error.value) and error.value.parameter == "prediction"
    for prediction in ("v", "x0"):
        path = tmp_path / f"{prediction}.pt"
        state = train(
            tiny_mlp(), data, schedule=zero, prediction=prediction, weighting="min-snr", **TOY, checkpoint_path=path
        )
        assert all(math.isfinite(loss) for loss in state.history["loss"]), prediction
        model, schedule, payload = load_trained(path, device="cpu")  # the checkpoint rebuilds the rescaled schedule
        assert schedule.zero_terminal and torch.equal(schedule.betas, zero.betas)
        x = sample(model, schedule, (8, 2), method="ddim", steps=5, progress=False, prediction=prediction)
        assert torch.isfinite(x).all() and payload["train_config"]["prediction"] == prediction


def test_the_target_and_levels_belong_to_the_default_objective():
    with pytest.raises(InputError) as error:
        train(tiny_mlp(), torch.zeros(8, 2), objective=FlowObjective(), prediction="v", **TOY)
    assert "prediction belongs to the default objective" in str(error.value) and error.value.parameter == "prediction"
    with pytest.raises(InputError) as error:
        train(tiny_mlp(), torch.zeros(8, 2), objective=FlowObjective(), levels="lognormal", **TOY)
    assert error.value.parameter == "levels"


def test_load_trained_gives_the_runs_prediction_and_fills_it_in_for_older_checkpoints(tmp_path):
    from ddpm_lessons.sampling import sample
    from ddpm_lessons.train import SETTINGS_ADDED_LATER, load_trained

    data, path = toy_data("moons", 256, seed=0), tmp_path / "v.pt"
    train(tiny_mlp(), data, schedule=SCHEDULE, prediction="v", **TOY, checkpoint_path=path)
    model, schedule, payload = load_trained(path, device="cpu")
    assert payload["train_config"]["prediction"] == "v"
    assert sample(model, schedule, (4, 2), method="ddim", steps=5, prediction="v", progress=False).isfinite().all()
    older = load_checkpoint(path)
    for name in ("prediction", "weighting", "snr_gamma", "levels", "level_mean", "level_std"):
        del older["train_config"][name]  # as written before issue 22 added the fields
    older["train_config"]["decay_steps"] = 0
    save_checkpoint(tmp_path / "old.pt", older)
    assert load_trained(tmp_path / "old.pt", device="cpu")[2]["train_config"]["prediction"] == "eps"
    assert set(SETTINGS_ADDED_LATER) <= set(TrainConfig().to_dict())
    assert all(TrainConfig().to_dict()[k] == v for k, v in SETTINGS_ADDED_LATER.items()), "the defaults"


def test_a_checkpoint_older_than_the_targets_resumes_as_an_eps_run(tmp_path):
    data = toy_data("moons", 256, seed=0)
    options = {"schedule": SCHEDULE, "batch_size": 16, "lr": 1e-2, "device": "cpu", "progress": False}
    path = tmp_path / "old.pt"
    train(tiny_mlp(), data, steps=3, **options, checkpoint_path=path)
    payload = load_checkpoint(path)
    for name in ("prediction", "weighting", "snr_gamma", "levels", "level_mean", "level_std"):
        del payload["train_config"][name]
    save_checkpoint(path, payload)
    assert train(tiny_mlp(), data, steps=5, **options, checkpoint_path=path, resume=True).step == 5
    with pytest.raises(CheckpointError, match="other settings.*'levels': \\('uniform', 'lognormal'\\)"):
        train(tiny_mlp(), data, steps=6, **options, levels="lognormal", checkpoint_path=path, resume=True)


def test_the_shipped_checkpoints_load_as_eps_models():
    from ddpm_lessons.checkpoints import shipped_path
    from ddpm_lessons.train import load_trained

    payload = load_trained(shipped_path("moons_ddpm.pt"), device="cpu")[2]
    config = payload["train_config"]
    assert (config["prediction"], config["weighting"], config["levels"]) == ("eps", "none", "uniform")
