"""Chinese templates for notation.py: the headers and the texts of the notation table and the lesson map (lesson 00).
The notation table's 中文 column (the seed article's terms) is the same in both languages and is not in here."""

MESSAGES: dict[str, str] = {
    # headers and the lesson map's time column
    "| symbol | code (`ddpm_lessons`) | 中文 (seed article; * the course's term) | meaning |": "| 符号 | 代码 (`ddpm_lessons`) | 中文（原文术语；* 为本课程译名） | 含义 |",
    "| # | notebook | what it teaches | CPU time (2 cores) |": "| # | 笔记本 | 讲什么 | CPU 用时（2 核） |",
    "{minutes:.1f} min": "{minutes:.1f} 分钟",
    "{seconds} s": "{seconds} 秒",
    # the notation table's "meaning" column
    "clean data (an image, a point)": "干净数据（一张图像或一个点）",
    "data after t noising steps": "加噪 t 步之后的数据",
    "timestep": "时间步",
    "number of diffusion steps": "扩散步数",
    "variance of the noise added at step t": "第 t 步所加噪声的方差",
    "share of the signal's variance kept by one step (√α_t of its amplitude)": "一步之后保留的信号方差比例（幅度保留 √α_t）",
    "share of the signal's variance kept after t steps": "t 步之后保留的信号方差比例",
    "signal scale in the closed form": "闭式解中信号的缩放系数",
    "noise scale in the closed form": "闭式解中噪声的缩放系数",
    "isotropic Gaussian noise": "各向同性高斯噪声",
    "the network's noise prediction": "网络的噪声预测",
    "forward diffusion, one step at a time": "正向扩散，一次一步",
    "closed form of the forward process": "正向过程的闭式解",
    "reparameterization trick": "重参数化技巧",
    "reverse diffusion, learned": "反向扩散，由网络学习",
    "mean and variance of q(x_{t−1} | x_t, x₀)": "q(x_{t−1} | x_t, x₀) 的均值和方差（后验均值、后验方差）",
    "negative log-likelihood: intractable (an integral over x₁ … x_T); L bounds it from above": "负对数似然：难以直接计算（要对 x₁ … x_T 积分）；L 是它的上界",
    "an upper bound on −log p_θ(x₀), the negative ELBO; the seed's term names −L, the evidence lower bound on log p_θ(x₀)": "−log p_θ(x₀) 的上界，即负的 ELBO；原文的“变分下界”指的是 −L，也就是 log p_θ(x₀) 的证据下界",
    "prior term": "先验项",
    "denoising terms": "逐步去噪项",
    "reconstruction (decoder) term; the second function gives log p_θ(x₀ | x₁)": "重建项（解码器项）；第二个函数给出 log p_θ(x₀ | x₁)",
    "simplified loss, an MSE on ε": "简化损失，对 ε 的均方误差",
    "sinusoidal time embedding": "时间步位置编码（正弦嵌入）",
    "encoder or decoder stage": "编码器或解码器阶段",
    "the network, with skip connections": "网络本身，带跳跃连接",
    "one network shared by every step": "所有时间步共用的一个网络",
    "independent and identically distributed": "独立同分布",
    "the score: gradient of the log-density of x_t": "分数：x_t 的对数密度的梯度",
    "the optimal noise predictor, L_simple's minimiser": "最优噪声预测器，即 L_simple 的最小值点",
    "Tweedie's formula: the posterior mean of x₀": "Tweedie 公式：x₀ 的后验均值",
    "the VP-SDE: the forward process in continuous time τ ∈ [0, 1]": "VP-SDE：连续时间 τ ∈ [0, 1] 中的正向过程",
    "noise-to-signal ratio: the probability-flow ODE's time": "噪声与信号之比：概率流常微分方程的时间",
    "the probability-flow ODE (Euler = DDIM, η = 0)": "概率流常微分方程（欧拉步 = DDIM，η = 0）",
    "the flow-matching path (s = 1 is noise)": "流匹配的路径（s = 1 处是噪声）",
    "conditional and marginal velocity": "条件速度场与边际速度场",
    # the lesson map's "what it teaches" column
    "environment check, how the course works, the notation table": "环境检查、课程的使用方式、符号表",
    "ink in water as a particle simulation; forward is easy, reverse is hard": (
        "用粒子模拟墨水在水中扩散；正向容易，反向困难"
    ),
    "β schedules, the reparameterization trick, the closed form checked step by step": (
        "β 方差调度、重参数化技巧，逐步验证闭式解"
    ),
    "the true reverse step on a grid, the posterior by completing the square, the two natural variances of a reverse step": (
        "在网格上精确计算真正的反向一步、用配方推导后验分布、反向一步方差的两种自然选择"
    ),
    "the bound derived step by step, the ELBO in bits/dim, L_{t−1} as a weighted ε-MSE, L_simple, ε* as a scaled score": (
        "逐步推导变分下界、以比特每维 (bits/dim) 计的变分下界 (ELBO)、L_{t−1} 即加权的 ε-MSE、L_simple、ε* 即缩放后的得分"
    ),
    "the sinusoidal embedding, and why a raw t fails": "时间步位置编码（正弦嵌入），以及为什么直接输入 t 行不通",
    "the course's U-Net built piece by piece, then the article's U-Net stage by stage": (
        "逐件搭建课程所用的 U-Net，再逐个阶段搭建原文的 U-Net"
    ),
    "the training algorithm, live on 2-D data, a photo and glyph digits": (
        "训练算法，在二维数据、一张照片和字形数字上现场运行"
    ),
    "the sampling algorithm line by line, generation watched, the two choices of σ², the noise term z, clipping the predicted x₀ — measured": (
        "逐行讲解采样算法、观察生成过程、σ² 的两种选择、噪声项 z、裁剪预测的 x₀——均有实测"
    ),
    "DDIM's non-Markovian forward process derived, 10–100 steps against DDPM-1000, a classifier-free guidance sweep": (
        "推导 DDIM 的非马尔可夫前向过程、10–100 步与 DDPM-1000 对比、无分类器引导 (classifier-free guidance) 的权重扫描"
    ),
    "a failure gallery: five bugs from public DDPM tutorials and two mistakes they invite, measured": (
        "故障展示：公开 DDPM 教程中的五个 bug 和它们容易诱发的两个错误，均有实测"
    ),
    "scores and Tweedie, ε* and denoising score matching, dW and Euler–Maruyama, the VP-SDE, Fokker–Planck and the reverse-time SDE": (
        "分数与 Tweedie 公式、ε* 与去噪分数匹配、dW 与 Euler–Maruyama 方法、VP-SDE、Fokker–Planck 方程与逆时间随机微分方程"
    ),
    "the probability-flow ODE and DDIM as its Euler step, Heun measured by network evaluations, flow matching — each identity checked": (
        "概率流常微分方程与作为其欧拉步的 DDIM、按网络调用次数衡量的 Heun 方法、流匹配——每个恒等式都经过验证"
    ),
    "the article's four claims measured at equal budgets, and a capstone: a DDPM from scratch": (
        "在相同计算预算下实测原文的四个论断，以及综合项目：从零实现一个 DDPM"
    ),
    "the design space on exact fields: targets as loss weightings, EDM's preconditioning, Karras spacing and DPM-Solver++(2M), schedule pitfalls": (
        "在精确场上看设计空间：预测目标即损失加权、EDM 的预条件化、Karras 间距与 DPM-Solver++(2M)、噪声调度的陷阱"
    ),
}
