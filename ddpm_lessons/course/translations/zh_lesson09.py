"""Chinese templates for exercises/lesson09.py, the checks of lesson 09a (scores, Tweedie and the SDEs) and lesson 09b
(the probability-flow ODE, solvers and flow matching)."""

MESSAGES: dict[str, str] = {
    "{problem}: {shape_hint}": "{problem}：{shape_hint}",
    "return a tensor shaped like x": "请返回与 x 形状相同的张量",
    # lesson 09b, exercise 1: the marginal velocity from E[x0 | x]
    "that is E[ε | x] alone: the velocity is E[ε − x₀ | x], so subtract E[x₀ | x] too": "这只是 E[ε | x]：速度是 E[ε − x₀ | x]，还要减去 E[x₀ | x]",
    "the sign: x_s moves from data (s = 0) to noise (s = 1), so v* = (x − E[x₀|x])/s, not its negative": "符号错了：x_s 从数据（s = 0）走向噪声（s = 1），所以 v* = (x − E[x₀|x])/s，而不是它的相反数",
    "divide by s, the coefficient of ε in x_s = (1 − s) x₀ + s ε, not by 1 − s": "要除以 s——x_s = (1 − s) x₀ + s ε 中 ε 的系数——而不是 1 − s",
    "ε = (x − (1 − s) x₀)/s, not x/s: the (1 − s) x₀ part of x_s was left in ε": "ε = (x − (1 − s) x₀)/s，不是 x/s：x_s 中 (1 − s) x₀ 那部分被留在了 ε 里",
    "missing the division by s: ε = (x − (1 − s) x₀)/s": "漏了除以 s：ε = (x − (1 − s) x₀)/s",
    "at s = {s} expected (x − x0_hat)/s": "在 s = {s} 处应为 (x − x0_hat)/s",
    "v*(x, s) = E[ε − x₀ | x]: with ε = (x − (1 − s) x₀)/s it is (x − E[x₀|x])/s": "v*(x, s) = E[ε − x₀ | x]：代入 ε = (x − (1 − s) x₀)/s，得 (x − E[x₀|x])/s",
    # lesson 09b, exercise 2: the Heun step
    "that is the buggy step's factor 1 + z + z²: the end slope alone doubles the z² term": "这是有错误的那一步的因子 1 + z + z²：只用终点斜率会把 z² 项加倍",
    "that is Euler's factor 1 + z: the corrector adds a z² term": "这是欧拉法的因子 1 + z：校正步还会加上一个 z² 项",
    "that is the exact e^z: one Heun step is a polynomial in z, right only up to z²": "这是精确解 e^z：Heun 法的一步是 z 的多项式，只精确到 z²",
    "the mean slope is ½(a y + a ỹ) with ỹ = (1 + z) y: the z² term is z²/2, not z²/4": "平均斜率是 ½(a y + a ỹ)，其中 ỹ = (1 + z) y：z² 项是 z²/2，而不是 z²/4",
    "at z = {z} expected 1 + z + z²/2": "在 z = {z} 处应为 1 + z + z²/2",
    "1 + z + z²/2 agrees with e^z = 1 + z + z²/2 + z³/6 + … up to z²: local error O(h³)": "1 + z + z²/2 与 e^z = 1 + z + z²/2 + z³/6 + … 一致到 z²：局部误差为 O(h³)",
    "return a tensor shaped like y": "请返回与 y 形状相同的张量",
    "the bug is still there: the corrector steps with the mean of the two slopes, ½(d(y, σ) + d(ỹ, σ′)), not the end slope alone": "错误还在：校正步用的是两个斜率的平均 ½(d(y, σ) + d(ỹ, σ′))，而不是只用终点的斜率",
    "that is the Euler (DDIM) step alone: Heun corrects it with the slope at the predicted point": "这只是欧拉（DDIM）步：Heun 法还要用预测点上的斜率来校正它",
    "the mean of the slopes, not their sum: ½(d(y, σ) + d(ỹ, σ′))": "是两个斜率的平均，而不是它们的和：½(d(y, σ) + d(ỹ, σ′))",
    "the end slope is taken at the predicted point ỹ = y + h·d(y, σ), not at y": "终点的斜率要在预测点 ỹ = y + h·d(y, σ) 处取，而不是在 y 处",
    "the end slope is taken at σ′ = sigma_next, the end of the step, not at σ": "终点的斜率要在这一步的终点 σ′ = sigma_next 处取，而不是在 σ 处",
    "the step is h = sigma_next − sigma (negative when σ goes down), not sigma − sigma_next": "步长是 h = sigma_next − sigma（σ 减小时为负），而不是 sigma − sigma_next",
    "slope {number}, sigma = {sigma}, sigma_next = {sigma_next}: expected y + h·½(d(y, σ) + d(ỹ, σ′)) with ỹ = y + h·d(y, σ)": "斜率 {number}，sigma = {sigma}，sigma_next = {sigma_next}：应为 y + h·½(d(y, σ) + d(ỹ, σ′))，其中 ỹ = y + h·d(y, σ)",
    "y + h·½(d(y, σ) + d(ỹ, σ′)): the mean slope makes the step right to h², so the error falls like h²": "y + h·½(d(y, σ) + d(ỹ, σ′))：平均斜率使这一步精确到 h²，所以误差像 h² 一样下降",
    # lesson 09a, exercise 1: the ink without the noise
    "the run: spread/s0 = {measured:.3f} without the noise (the probability-flow ODE, half the drift: {pf_ode:.3f})": "实际运行：去掉噪声后 spread/s0 = {measured:.3f}（概率流常微分方程，即漂移减半：{pf_ode:.3f}）",
    "{run}; predicted {predicted:.3g}. Without the noise that spreads it, the whole σ²·score over-gathers the ink: |x − m| shrinks by s0²/(s0² + σ²), so the spread ends at s0·s0/√(s0² + σ²)": "{run}；你的预测 {predicted:.3g}。没有把墨水重新散开的噪声，完整的 σ²·score 会把墨水聚得过紧：|x − m| 缩小为原来的 s0²/(s0² + σ²)，最终的宽度是 s0·s0/√(s0² + σ²)",
    "about 1 is what the probability-flow ODE (half the drift) or the SDE with its noise give; dropping the noise but keeping the whole σ²·score gathers the ink too much": "约等于 1 是概率流常微分方程（漂移减半）或带噪声的随机微分方程给出的结果；去掉噪声却保留完整的 σ²·score，墨水会被聚得过紧",
    "the score points to the centre: the drift gathers the ink, so the spread ends below s0, not above": "分数指向中心：漂移把墨水聚拢，所以最终宽度小于 s0，而不是大于",
    "a spread is positive: predict the ratio (final standard deviation)/s0": "宽度是正数：请预测比值（最终标准差）/s0",
    "right direction, wrong amount: solve d|x − m|/dτ = σ²|x − m|/(s0² + σ²τ) from τ = 1 back to 0 — the distance to the centre is multiplied by s0²/(s0² + σ²)": "方向对了，大小不对：从 τ = 1 倒推到 0 求解 d|x − m|/dτ = σ²|x − m|/(s0² + σ²τ)——到中心的距离乘上了 s0²/(s0² + σ²)",
    "{hint}. {run}; predicted {predicted:.3g}": "{hint}。{run}；你的预测 {predicted:.3g}",
    # lesson 09a, exercise 2: the noise of the buggy Euler–Maruyama step
    " — g² is what the right step g·√h·z gives: with g·h·z each step adds (g h)² = g²h², not g²h": "——g² 是正确的一步 g·√h·z 给出的结果：用 g·h·z 时每一步加上的方差是 (g h)² = g²h²，而不是 g²h",
    " — that is one step's variance (g h)²: the n independent steps add their variances": "——这是一步的方差 (g h)²：n 个相互独立的步，方差要相加",
    " — that is a standard deviation; predict the variance": "——这是标准差；请预测方差",
    " — g·h is one step's standard deviation; the n steps add their variances (g h)²": "——g·h 是一步的标准差；n 步相加的是它们的方差 (g h)²",
    " — 0 is the limit n → ∞; with n steps each still adds (g h)²": "——0 是 n → ∞ 时的极限；只有 n 步时，每一步仍然加上 (g h)²",
    " — each step adds an independent g·h·z; add their variances over the n steps": "——每一步加上一个独立的 g·h·z；把 n 步的方差加起来",
    "n={n}, g={g}: the walk of {walkers} walkers with the buggy noise ends with variance {ran:.4g} (± {tolerance:.2g}), your prediction {got:.4g}{hint}": "n={n}, g={g}：{walkers} 个游走者带着有错误的噪声走完，最终方差为 {ran:.4g}（± {tolerance:.2g}），你的预测是 {got:.4g}{hint}",
    "n·(g h)² = g²/n → 0, where the right g·√h·z gives n·g²h = g² for every n. The measurement, the ink's spread/s0 after n = 10, 100, 1000 reverse steps: the buggy sampler {buggy}, the right one {right}. More steps bring the right sampler to 1 but starve the buggy one of noise: it tends to exercise 1's drift without noise, s0/√(s0² + σ²) = {limit:.3f}": "n·(g h)² = g²/n → 0，而正确的 g·√h·z 对每个 n 都给出 n·g²h = g²。测量结果：经过 n = 10、100、1000 个反向步后，墨水的 spread/s0——有错误的采样器为 {buggy}，正确的采样器为 {right}。步数越多，正确的采样器越接近 1，而有错误的采样器得到的噪声越少：它趋向练习 1 中去掉噪声的漂移，s0/√(s0² + σ²) = {limit:.3f}",
}
