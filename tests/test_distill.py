"""ddpm_lessons.distill: progressive distillation's target, objective and rounds (issue 22, lesson B)."""

import pytest
import torch
from exact_gaussian import MEAN, STD, AffinePerIndex, GaussianEps

from ddpm_lessons import DiffusionSchedule, InputError, MLPDenoiser, load_trained, sample, train
from ddpm_lessons.distill import (
    DistillationObjective,
    chain_points,
    distillation_target,
    progressive_distillation,
    teacher_two_steps,
)
from ddpm_lessons.steps import ddim_step, split_prediction


@pytest.fixture(scope="module")
def schedule64():
    return DiffusionSchedule.linear(1000, dtype=torch.float64)


@pytest.mark.parametrize("prediction", ["eps", "x0", "v"])
def test_one_ddim_step_with_the_target_lands_on_the_teachers_two(schedule64, prediction):
    # The derivation in the module's docstring: the target x̃ makes the student's single step t → s hit z_s.
    g = torch.Generator().manual_seed(0)
    z_t, z_s = (
        torch.randn(64, 3, generator=g, dtype=torch.float64),
        torch.randn(64, 3, generator=g, dtype=torch.float64),
    )
    t = torch.randint(1, 1000, (64,), generator=g)
    s = (t - torch.randint(1, 400, (64,), generator=g)).clamp(min=-1)
    target = distillation_target(schedule64, z_t, t, z_s, s, prediction)
    estimate = split_prediction(schedule64, z_t, t, target, prediction)
    landed = ddim_step(schedule64, z_t, t, s, estimate.eps, None, x0=estimate.x0)
    assert torch.allclose(landed, z_s, atol=1e-9, rtol=0)


def test_at_the_last_step_the_target_is_the_teachers_x0(schedule64):
    z_t, z_s = torch.randn(8, 2, dtype=torch.float64), torch.randn(8, 2, dtype=torch.float64)
    t, s = torch.full((8,), 17), torch.full((8,), -1)
    assert torch.equal(distillation_target(schedule64, z_t, t, z_s, s, "x0"), z_s)


def test_the_v_error_is_the_x0_error_over_sigma(schedule64):
    # ‖Δv‖² = (1 + SNR) ‖Δx̂‖²: the paper's "SNR + 1" weighting, which the student's v-regression applies by itself.
    g = torch.Generator().manual_seed(1)
    z_t = torch.randn(16, 1, generator=g, dtype=torch.float64)
    t, s = torch.randint(0, 1000, (16,), generator=g), torch.full((16,), -1)
    z_s1, z_s2 = (
        torch.randn(16, 1, generator=g, dtype=torch.float64),
        torch.randn(16, 1, generator=g, dtype=torch.float64),
    )
    dv = distillation_target(schedule64, z_t, t, z_s1, s, "v") - distillation_target(schedule64, z_t, t, z_s2, s, "v")
    dx = distillation_target(schedule64, z_t, t, z_s1, s, "x0") - distillation_target(schedule64, z_t, t, z_s2, s, "x0")
    sigma = schedule64.sqrt_one_minus_alphas_cumprod[t].reshape(-1, 1)
    assert torch.allclose(dv, -dx / sigma, atol=1e-9, rtol=1e-9)


def test_the_chains_nest_and_bad_settings_are_refused():
    for T in (10, 20, 37, 100, 500, 999, 1000, 1001, 4000):
        assert all(chain_points(T, n // 2) == chain_points(T, n)[::2] for n in range(2, T + 1, 2)), T
    schedule = DiffusionSchedule.linear(1000)
    teacher = GaussianEps(schedule)
    for bad in (3, 1, 1002):
        with pytest.raises(InputError, match="teacher_steps"):
            DistillationObjective(teacher, schedule, bad)
    with pytest.raises(InputError, match="prediction"):
        DistillationObjective(teacher, schedule, 4, prediction="score")
    with pytest.raises(InputError, match="prediction"):
        DistillationObjective(teacher, DiffusionSchedule.linear(1000).zero_terminal_snr(), 4, prediction="eps")
    with pytest.raises(InputError, match="num_timesteps"):
        DistillationObjective(teacher, schedule, 4).check(AffinePerIndex(500))


def test_the_teacher_is_copied_and_frozen_not_changed():
    schedule = DiffusionSchedule.linear(1000)
    teacher = GaussianEps(schedule).train()
    objective = DistillationObjective(teacher, schedule, 4)
    assert teacher.training and teacher.anchor.requires_grad
    assert not objective.teacher.training and not objective.teacher.anchor.requires_grad


@pytest.mark.parametrize("prediction", ["x0", "v"])
def test_a_trained_student_takes_its_teachers_two_steps_in_one(prediction):
    # The exact teacher of Gaussian data: a student that can represent the exact target learns it, and its 2-step
    # chain then ends where the teacher's 4-step chain does, sample by sample, to 1 % of the data's spread.
    schedule = DiffusionSchedule.linear(1000)
    teacher = GaussianEps(schedule, prediction)
    data = MEAN + STD * torch.randn(4096, 1, generator=torch.Generator().manual_seed(2))
    student = AffinePerIndex(1000)
    with torch.no_grad():  # the same start as Algorithm 2 (θ ← η) is not needed for an affine student
        student.w.fill_(0.0)
    state = train(
        student,
        data,
        steps=1500,
        objective=DistillationObjective(teacher, schedule, 4, prediction),
        batch_size=256,
        lr=2e-2,
        warmup=0,
        ema_decay=0.0,
        seed=0,
        progress=False,
        device="cpu",
    )
    options = dict(method="ddim", eta=0.0, seed=3, progress=False, prediction=prediction)
    taught = sample(teacher.eval(), schedule, (2000, 1), steps=4, **options)
    learned = sample(state.model.eval(), schedule, (2000, 1), steps=2, **options)
    assert (learned - taught).abs().max() < 0.01 * STD
    untrained = sample(AffinePerIndex(1000).eval(), schedule, (2000, 1), steps=2, **options)
    assert (untrained - taught).abs().max() > 10 * 0.01 * STD  # the comparison can fail


def test_teacher_two_steps_are_the_samplers_two_ddim_steps():
    schedule = DiffusionSchedule.linear(1000)
    teacher, seen = GaussianEps(schedule, "v").eval(), []

    class Recording(GaussianEps):
        def forward(self, x, t):
            seen.append(x.clone())
            return super().forward(x, t)

    recording = Recording(schedule, "v").eval()
    sampled = sample(
        recording, schedule, (32, 1), method="ddim", steps=2, eta=0.0, seed=0, progress=False, prediction="v"
    )
    assert chain_points(1000, 2) == [999, 499, -1]
    index = torch.full((32,), 1)
    two = teacher_two_steps(schedule, teacher, "v", seen[0], index * 999, index * 499, index * -1)
    assert torch.allclose(two, sampled, atol=1e-6, rtol=0)


def test_rounds_halve_to_the_final_steps_and_bad_ends_are_refused():
    schedule = DiffusionSchedule.linear(1000)
    teacher = AffinePerIndex(1000)
    data = torch.randn(64, 1)
    rounds = progressive_distillation(
        teacher, data, schedule, teacher_steps=8, final_steps=2, steps_per_round=2, batch_size=8, seed=0, ema_decay=0.0
    )
    assert [n for n, _ in rounds] == [4, 2]
    assert [state.config["student_steps"] for _, state in rounds] == [4, 2]
    for bad in (8, 3, 16):
        with pytest.raises(InputError, match="final_steps"):
            progressive_distillation(
                teacher, data, schedule, teacher_steps=8, final_steps=bad, steps_per_round=100, ema_decay=0.0
            )
    # the EMA hands on the next teacher: one that is still mostly the old teacher is refused (0.999^2000 = 0.14)
    with pytest.raises(InputError, match="ema_decay"):
        progressive_distillation(teacher, data, schedule, teacher_steps=8, steps_per_round=2000, ema_decay=0.999)


def test_a_round_resumes_to_the_same_weights(tmp_path):
    schedule = DiffusionSchedule.linear(1000)
    teacher, data = GaussianEps(schedule, "v"), MEAN + STD * torch.randn(256, 1)
    recipe = dict(batch_size=32, lr=1e-2, warmup=0, seed=0, progress=False, device="cpu")

    def run(steps, **policy):
        torch.manual_seed(0)
        return train(
            AffinePerIndex(1000),
            data,
            steps=steps,
            objective=DistillationObjective(teacher, schedule, 8),
            **recipe,
            **policy,
        )

    whole = run(20)
    path = tmp_path / "round.pt"
    run(20, checkpoint_path=path, stop_after=8)
    resumed = run(20, checkpoint_path=path, resume=True)
    assert resumed.step == 20 and torch.equal(resumed.model.w, whole.model.w)
    assert resumed.config["objective"] == "progressive distillation" and resumed.config["prediction"] == "v"


def test_a_students_checkpoint_loads_for_sampling_with_its_steps(tmp_path):
    schedule = DiffusionSchedule.linear(1000)
    torch.manual_seed(0)
    teacher = MLPDenoiser(data_dim=2, hidden=16, num_layers=1).eval()
    path = tmp_path / "student.pt"
    train(
        MLPDenoiser(data_dim=2, hidden=16, num_layers=1),
        torch.randn(64, 2),
        steps=3,
        batch_size=8,
        seed=0,
        objective=DistillationObjective(teacher, schedule, 8, "v"),
        checkpoint_path=path,
        progress=False,
    )
    student, loaded_schedule, payload = load_trained(path, verify=False)
    assert payload["kind"] == "distill" and payload["train_config"]["student_steps"] == 4
    config = payload["train_config"]
    x = sample(
        student,
        loaded_schedule,
        (5, 2),
        method="ddim",
        steps=config["student_steps"],
        eta=0.0,
        prediction=config["prediction"],
        progress=False,
    )
    assert x.shape == (5, 2) and torch.isfinite(x).all()
