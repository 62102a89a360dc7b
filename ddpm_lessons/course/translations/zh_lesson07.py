"""Chinese templates for exercises/lesson07.py, the checks of lessons 07a and 07b (sampling)."""

MESSAGES: dict[str, str] = {
    # lesson 07a, exercise 1: the variance the mean step alone leaves of Gaussian data
    " — that is ᾱ_T, the answer for data N(0, 1): with Var(x_0) = s² the variance of x_t is v_t = ᾱ_t s² + 1 − ᾱ_t": " — 这是 ᾱ_T，即数据为 N(0, 1) 时的答案：当 Var(x_0) = s² 时，x_t 的方差是 v_t = ᾱ_t s² + 1 − ᾱ_t",
    " — that is the standard deviation; the variance is its square": " — 这是标准差；方差是它的平方",
    " — conditioning divides the covariance by the variance: ε* = √(1 − ᾱ_t)·x_t/v_t, not /√v_t": " — 高斯条件化是用协方差除以方差：ε* = √(1 − ᾱ_t)·x_t/v_t，而不是除以 √v_t",
    " — line 4's mean is divided by √α_t: each step multiplies x_t by (1 − β_t/v_t)/√α_t": " — 第 4 行的均值要除以 √α_t：每一步把 x_t 乘以 (1 − β_t/v_t)/√α_t",
    " — that is the data's own variance, what Algorithm 2 with z returns; the mean step alone does not keep it": " — 这是数据本身的方差，也就是带 z 的算法 2 给出的结果；只走均值这一步保不住它",
    " — that is 1: Algorithm 2 keeps unit variance with z; without z every step only multiplies x_t by c_t": " — 这是 1：带 z 的算法 2 对 N(0, 1) 数据保持单位方差；去掉 z 后，每一步只是把 x_t 乘以 c_t",
    "ε* = √(1 − ᾱ_t)·x_t/v_t, so each mean step multiplies x_t by c_t = (1 − β_t/v_t)/√α_t and Var(x_0) = ∏ c_t², far below s² for data of unit order: z puts the spread back": "ε* = √(1 − ᾱ_t)·x_t/v_t，所以每个均值步把 x_t 乘以 c_t = (1 − β_t/v_t)/√α_t，Var(x_0) = ∏ c_t²；对量级为 1 的数据，它远小于 s²：是 z 把散布补了回来",
    "{schedule} schedule, T = {T}, data variance s² = {data_var}: expected {expected:.4g}, got {got:.4g}{hint}": "T = {T} 的 {schedule} 方差调度，数据方差 s² = {data_var}：应为 {expected:.4g}，实际得到 {got:.4g}{hint}",
    # lesson 07b, exercise 1: the variance DDIM keeps in a few steps
    " — that is 1, the probability-flow ODE's answer in the limit of small steps; a finite DDIM step multiplies x by √(ᾱ′ᾱ) + √((1 − ᾱ′)(1 − ᾱ)) < 1": " — 这是 1，即步长趋于零时概率流 ODE 的答案；有限大小的一步 DDIM 会把 x 乘以 √(ᾱ′ᾱ) + √((1 − ᾱ′)(1 − ᾱ)) < 1",
    " — that is the factor on x, the standard deviation's; the variance is its square": " — 这是乘在 x 上的系数，也就是标准差的倍数；方差是它的平方",
    " — you added the variances of the two terms as if ε_θ were fresh noise; here ε* = √(1 − ᾱ)·x is x itself, so the two coefficients add before squaring": " — 你把两项的方差相加了，好像 ε_θ 是新抽的噪声；但这里 ε* = √(1 − ᾱ)·x 就是 x 本身，所以两个系数要先相加再平方",
    " — the direction term √(1 − ᾱ′)·ε_θ is missing: x̂_0 alone is pulled to 0": " — 缺少方向项 √(1 − ᾱ′)·ε_θ：只用 x̂_0 会把样本拉向 0",
    " — the last step, to ᾱ = 1 (x_0), is missing: the chain ends at the data": " — 缺少最后一步（走到 ᾱ = 1，即 x_0）：采样链终止于数据",
    "DDIM-{steps} on the {schedule} schedule: your prediction {got:.4g}, the run {ran:.4g}{hint}": "{schedule} 方差调度上的 DDIM-{steps}：你的预测为 {got:.4g}，实际运行得到 {ran:.4g}{hint}",
    "each DDIM step multiplies x by √(ᾱ′ᾱ) + √((1 − ᾱ′)(1 − ᾱ)) = cos(θ − θ′) (ᾱ = cos²θ), below 1: few large steps lose variance even with a perfect network": "每一步 DDIM 把 x 乘以 √(ᾱ′ᾱ) + √((1 − ᾱ′)(1 − ᾱ)) = cos(θ − θ′)（ᾱ = cos²θ），小于 1：即使网络完美，少数几个大步也会丢失方差",
    # lesson 07b, exercise 2: guidance ported from diffusers
    " — your function never asks the model for a prediction without the digits' labels": " — 你的函数从未向模型要过不带这些数字标签的预测",
    " — its unconditional call asks the model for label 0, which is the digit 0 for this model: which label stood for 'no label' when labels were dropped in training?": " — 它的无条件调用向模型要的是标签 0，而对这个模型来说 0 是数字 0：训练中丢弃标签时，用哪个标签表示“没有标签”？",
    " — its unconditional call asks the model for labels {asked}: which label stood for 'no label' when labels were dropped in training?": " — 它的无条件调用向模型要的是标签 {asked}：训练中丢弃标签时，用哪个标签表示“没有标签”？",
    " — with its two predictions it returns ε_c + γ·(ε_c − ε_∅): one unit of guidance more than ε_∅ + γ·(ε_c − ε_∅)": " — 用它的两个预测，它返回的是 ε_c + γ·(ε_c − ε_∅)：比 ε_∅ + γ·(ε_c − ε_∅) 多了一个单位的引导",
    " — with its two predictions it does not return ε_∅ + γ·(ε_c − ε_∅) either": " — 用它的两个预测，它返回的也不是 ε_∅ + γ·(ε_c − ε_∅)",
    "guidance_scale={scale}: expected ε_∅ + γ·(ε_c − ε_∅), which is ε_c itself at scale 1 (no guidance){hint}": "guidance_scale={scale}：应为 ε_∅ + γ·(ε_c − ε_∅)，在尺度为 1（不引导）时就是 ε_c 本身{hint}",
    "ε_∅ + γ·(ε_c − ε_∅) with ε_∅ from the null label: diffusers' scale γ is this lesson's w = γ − 1 (scale 3 is w = 2)": "ε_∅ + γ·(ε_c − ε_∅)，其中 ε_∅ 来自空标签：diffusers 的 scale γ 就是本课的 w = γ − 1（scale 3 即 w = 2）",
    "{problem}: return a tensor shaped like x_t": "{problem}：请返回与 x_t 形状相同的张量",
    "guidance_scale={scale}: expected ε_∅ + γ·(ε_c − ε_∅), which is ε_c itself at γ = 1 (no guidance); your function returns something else. Stuck? hint=True describes what the check saw": "guidance_scale={scale}：应为 ε_∅ + γ·(ε_c − ε_∅)，在 γ = 1（不引导）时就是 ε_c 本身；你的函数返回的是别的东西。卡住了？hint=True 会描述检查看到了什么",
    # lesson 07b, exercise 3: DDIM's step as a·x_t + b·ε_θ + σz, and η = 1 as DDPM's step
    " — the direction term's variance is 1 − ᾱ_{t′} − σ², not 1 − ᾱ_{t′}: σz adds σ² back": " — 方向项的方差是 1 − ᾱ_{t′} − σ²，不是 1 − ᾱ_{t′}：σz 会把 σ² 加回来",
    " — x̂₀ carries ε_θ too: (x_t − √(1 − ᾱ_t)·ε_θ)/√ᾱ_t puts a second ε_θ term into b": " — x̂₀ 里也含有 ε_θ：(x_t − √(1 − ᾱ_t)·ε_θ)/√ᾱ_t 会给 b 带来第二个 ε_θ 项",
    " — x̂₀ subtracts the noise: its ε_θ term enters b with a minus sign": " — x̂₀ 是减去噪声得到的：它的 ε_θ 项以负号进入 b",
    " — x̂₀ divides x_t by √ᾱ_t: a is √(ᾱ_{t′}/ᾱ_t), not √ᾱ_{t′}": " — x̂₀ 要把 x_t 除以 √ᾱ_t：a 是 √(ᾱ_{t′}/ᾱ_t)，不是 √ᾱ_{t′}",
    " — a is √(ᾱ_{t′}/ᾱ_t), above 1: the earlier level keeps more of the signal, so x_t is scaled up": " — a 是 √(ᾱ_{t′}/ᾱ_t)，大于 1：较早的噪声水平保留更多信号，所以 x_t 要被放大",
    " — the pair is (a, b): the coefficient on x_t first, then the one on ε_θ": " — 这一对是 (a, b)：先是 x_t 的系数，再是 ε_θ 的系数",
    "return a pair (a, b) of numbers, got {kind}": "请返回一对数 (a, b)，实际得到 {kind}",
    "ᾱ_t = {alpha_bar}, ᾱ_{{t′}} = {alpha_bar_prev}, σ = {sigma}: expected (a, b) = ({a:.4f}, {b:.4f}), got ({got_a:.4f}, {got_b:.4f}){hint}": "ᾱ_t = {alpha_bar}、ᾱ_{{t′}} = {alpha_bar_prev}、σ = {sigma}：(a, b) 应为 ({a:.4f}, {b:.4f})，实际得到 ({got_a:.4f}, {got_b:.4f}){hint}",
    "a = √(ᾱ_{{t′}}/ᾱ_t), b = √(1 − ᾱ_{{t′}} − σ²) − √(ᾱ_{{t′}}(1 − ᾱ_t)/ᾱ_t); at η = 1 and t′ = t − 1 your pair equals line 4's 1/√α_t and −β_t/(√α_t·√(1 − ᾱ_t)) to a relative {worst:.0e}: one DDIM step with η = 1 is one DDPM step with σ_t² = beta_tilde_t": "a = √(ᾱ_{{t′}}/ᾱ_t)，b = √(1 − ᾱ_{{t′}} − σ²) − √(ᾱ_{{t′}}(1 − ᾱ_t)/ᾱ_t)；在 η = 1、t′ = t − 1 时，你的这一对与第 4 行的 1/√α_t 和 −β_t/(√α_t·√(1 − ᾱ_t)) 相对误差在 {worst:.0e} 以内：η = 1 的一步 DDIM 就是 σ_t² = beta_tilde_t 的一步 DDPM",
}
