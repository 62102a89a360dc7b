"""The course's notation table: symbol ↔ code name ↔ the seed article's Chinese term (lesson 00).

One table, used by lesson 00 and checked by a unit test: every code name in it must exist in the package, so the
table cannot drift from the code.
"""

from __future__ import annotations

from .language import tr, tr_data

__all__ = ["NOTATION", "LESSONS", "notation_markdown", "lessons_markdown", "table_texts"]

# (symbol, code in ddpm_lessons, seed's term, English meaning)
NOTATION = [
    ("x₀", "x0", "原始图像", "clean data (an image, a point)"),
    ("x_t", "x_t", "噪声图像", "data after t noising steps"),
    ("t", "t (0-based: code i is paper step i + 1)", "时间步", "timestep"),
    ("T", "len(schedule)", "扩散步数 / 迭代次数", "number of diffusion steps"),
    ("β_t", "schedule.betas", "方差调度 (噪声的方差)", "variance of the noise added at step t"),
    (
        "α_t = 1 − β_t",
        "schedule.alphas",
        "—",
        "share of the signal's variance kept by one step (√α_t of its amplitude)",
    ),
    ("ᾱ_t = ∏ α_s", "schedule.alphas_cumprod", "累积乘积", "share of the signal's variance kept after t steps"),
    ("√ᾱ_t", "schedule.sqrt_alphas_cumprod", "图像保留比例", "signal scale in the closed form"),
    ("√(1 − ᾱ_t)", "schedule.sqrt_one_minus_alphas_cumprod", "噪声比例", "noise scale in the closed form"),
    ("ε ~ N(0, I)", "noise", "各向同性的高斯分布", "isotropic Gaussian noise"),
    ("ε_θ(x_t, t)", "model(x_t, t)", "预测噪声", "the network's noise prediction"),
    ("q(x_t | x_{t−1})", "q_sample_iterative", "正向扩散", "forward diffusion, one step at a time"),
    ("q(x_t | x₀)", "q_sample, forward_diffusion_sample", "闭式公式 (解析解)", "closed form of the forward process"),
    ("z = μ + σε", "q_sample", "重参数化技巧", "reparameterization trick"),
    ("p_θ(x_{t−1} | x_t)", "denoising_step, p_mean_variance", "反向扩散", "reverse diffusion, learned"),
    (
        "μ̃_t, β̃_t",
        "q_posterior_mean_variance, schedule.posterior_variance",
        "平均值 (均值推导)",
        "mean and variance of q(x_{t−1} | x_t, x₀)",
    ),
    (
        "−log p_θ(x₀)",
        "—",
        "负对数似然",
        "negative log-likelihood: intractable (an integral over x₁ … x_T); L bounds it from above",
    ),
    (
        "L = L_T + Σ L_{t−1} + L₀",
        "variational_bound_bpd",
        "变分下界",
        "an upper bound on −log p_θ(x₀), the negative ELBO; the seed's term names −L, the evidence lower bound on log p_θ(x₀)",
    ),
    ("L_T", "prior_kl_bpd", "常数项", "prior term"),
    ("L_{t−1}", "vb_term_bpd, weighted_eps_mse", "逐步去噪项", "denoising terms"),
    (
        "L₀ = −log p_θ(x₀ | x₁)",
        "vb_term_bpd, discretized_gaussian_log_likelihood",
        "重建项",
        "reconstruction (decoder) term; the second function gives log p_θ(x₀ | x₁)",
    ),
    ("L_simple", "simple_loss", "简化的损失函数 (均方误差)", "simplified loss, an MSE on ε"),
    ("PE(t)", "TimePositionalEncoding", "时间步位置编码", "sinusoidal time embedding"),
    ("U-Net stage", "UNetStage", "编码器 / 解码器阶段 (下采样 / 上采样)", "encoder or decoder stage"),
    ("U-Net", "DiffusionUNet", "U-Net 架构 (跳跃连接, 瓶颈)", "the network, with skip connections"),
    ("one θ for all t", "DiffusionUNet", "共享网络", "one network shared by every step"),
    ("i.i.d.", "torch.randn", "独立同分布", "independent and identically distributed"),
    # lessons 09a/09b: beyond the seed article, which has no term for these: the course's term, marked *
    ("∇log q_t(x_t)", "score.noised_score", "分数函数 *", "the score: gradient of the log-density of x_t"),
    (
        "ε*(x_t, t) = −√(1 − ᾱ_t) ∇log q_t",
        "score.optimal_eps",
        "最优噪声预测器 *",
        "the optimal noise predictor, L_simple's minimiser",
    ),
    (
        "E[x₀ | x_t]",
        "score.tweedie_x0, score.posterior_mean",
        "Tweedie 公式 (后验均值) *",
        "Tweedie's formula: the posterior mean of x₀",
    ),
    (
        "dx = −½β(τ) x dτ + √β(τ) dW",
        "score.VPSDE",
        "方差保持随机微分方程 (VP-SDE) *",
        "the VP-SDE: the forward process in continuous time τ ∈ [0, 1]",
    ),
    (
        "σ = √((1 − ᾱ)/ᾱ), y = x/√ᾱ",
        "ode.sigma_from_alpha_bar",
        "噪声信号比 *",
        "noise-to-signal ratio: the probability-flow ODE's time",
    ),
    (
        "dy/dσ = ε",
        "ode.ode_sample, ode.euler_step, ode.heun_step",
        "概率流常微分方程 (PF-ODE) *",
        "the probability-flow ODE (Euler = DDIM, η = 0)",
    ),
    ("x_s = (1 − s) x₀ + s ε", "flow.flow_path", "流匹配路径 *", "the flow-matching path (s = 1 is noise)"),
    (
        "u = ε − x₀; v*(x, s) = E[u | x_s = x]",
        "flow.flow_target, flow.exact_velocity",
        "条件速度 / 边际速度 (速度场) *",
        "conditional and marginal velocity",
    ),
]

# (number, notebook, what it teaches, seconds under nbval on the 2-core CI machine — the "notebook durations" that
# `python3 course.py test` prints; tests/test_notation.py keeps the README's lesson table in step with these)
LESSONS = [
    ("00", "00_start_here", "environment check, how the course works, the notation table", 6),
    ("01", "01_physical_diffusion", "ink in water as a particle simulation; forward is easy, reverse is hard", 7),
    ("02", "02_forward_process", "β schedules, the reparameterization trick, the closed form checked step by step", 8),
    (
        "03a",
        "03a_reverse_process",
        "the true reverse step on a grid, the posterior by completing the square, the two natural variances of a reverse step",
        3,
    ),
    (
        "03b",
        "03b_elbo_and_simple_loss",
        "the bound derived step by step, the ELBO in bits/dim, L_{t−1} as a weighted ε-MSE, L_simple, ε* as a scaled score",
        51,
    ),
    ("04", "04_time_embedding", "the sinusoidal embedding, and why a raw t fails", 12),
    ("05", "05_unet", "the course's U-Net built piece by piece, then the article's U-Net stage by stage", 18),
    ("06", "06_training", "the training algorithm, live on 2-D data, a photo and glyph digits", 64),
    (
        "07a",
        "07a_sampling",
        "the sampling algorithm line by line, generation watched, the two choices of σ², the noise term z, clipping the predicted x₀ — measured",
        42,
    ),
    (
        "07b",
        "07b_ddim_and_guidance",
        "DDIM's non-Markovian forward process derived, 10–100 steps against DDPM-1000, a classifier-free guidance sweep",
        50,
    ),
    (
        "08",
        "08_what_goes_wrong",
        "a failure gallery: five bugs from public DDPM tutorials and two mistakes they invite, measured",
        85,
    ),
    (
        "09a",
        "09a_scores_and_sdes",
        "scores and Tweedie, ε* and denoising score matching, dW and Euler–Maruyama, the VP-SDE, Fokker–Planck and the reverse-time SDE",
        21,
    ),
    (
        "09b",
        "09b_ode_solvers_and_flows",
        "the probability-flow ODE and DDIM as its Euler step, Heun measured by network evaluations, flow matching — each identity checked",
        41,
    ),
    (
        "10",
        "10_claims_and_capstone",
        "the article's four claims measured at equal budgets, and a capstone: a DDPM from scratch",
        29,
    ),
    (
        "11",
        "11_design_space",
        "the design space on exact fields: targets as loss weightings, EDM's preconditioning, Karras spacing and DPM-Solver++(2M), schedule pitfalls",
        25,
    ),
]


def _cell(text: str) -> str:
    # A bare "|" (as in q(x_t | x₀)) would end the table cell; Markdown tables take it escaped, also inside code.
    return text.replace("|", "\\|")


def table_texts() -> list[str]:
    """Every English text the two tables translate with :func:`~.language.tr_data`: the notation table's meanings
    and the lesson map's "what it teaches" (tests/course/test_language.py requires a Chinese one for each)."""
    return [english for *_, english in NOTATION] + [teaches for _, _, teaches, _ in LESSONS]


def notation_markdown() -> str:
    """The notation table as Markdown (display it with ``IPython.display.Markdown``), in the course's language (the
    seed's Chinese term column is the same in both)."""
    rows = [
        tr("| symbol | code (`ddpm_lessons`) | 中文 (seed article; * the course's term) | meaning |"),
        "|---|---|---|---|",
    ]
    rows += [
        f"| {_cell(symbol)} | `{_cell(code)}` | {_cell(chinese)} | {_cell(tr_data(english))} |"
        for symbol, code, chinese, english in NOTATION
    ]
    return "\n".join(rows)


def lessons_markdown(minutes: dict | None = None) -> str:
    """The lesson map as Markdown with each lesson's CPU time under nbval on a 2-core CPU; ``minutes`` maps a
    notebook name to a time of your own (in minutes) to show instead."""
    rows = [tr("| # | notebook | what it teaches | CPU time (2 cores) |"), "|---|---|---|---|"]
    for number, name, teaches, seconds in LESSONS:
        if minutes and name in minutes:
            time = tr("{minutes:.1f} min", minutes=minutes[name])
        else:
            time = tr("{seconds} s", seconds=seconds)
        rows.append(f"| {number} | `{name}` | {tr_data(teaches)} | {time} |")
    return "\n".join(rows)
