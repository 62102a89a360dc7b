"""Chinese templates for exercises/lesson06.py, the checks of lesson 06 (training)."""

MESSAGES: dict[str, str] = {
    # exercise 1: the EMA's window
    " — that is 1/(1 − d), the steps after which a weight falls to 1/e (section 2c); a variance weighs each step by its weight squared, (1 − d)² d^{2k}": " —— 这是 1/(1 − d)，即权重衰减到 1/e 所需的步数（第 2c 节）；方差给每一步的权重是权重的平方 (1 − d)² d^{2k}",
    " — that is d/(1 − d), the EMA's lag; the exercise asks for the variance's window": " —— 这是 d/(1 − d)，即 EMA 的滞后；本题要的是方差对应的窗口",
    " — upside down: (1 − d)/(1 + d) is Var(EMA)/σ²; a mean of N steps has variance σ²/N": " —— 上下颠倒了：(1 − d)/(1 + d) 是 Var(EMA)/σ²；N 步的平均值的方差是 σ²/N",
    " — that is Σ d^{2k} = 1/(1 − d²) alone; each weight (1 − d) d^k also carries (1 − d)": " —— 这只是 Σ d^{2k} = 1/(1 − d²)；每个权重 (1 − d) d^k 还带着系数 (1 − d)",
    " — 2/(1 − d) is the limit for d near 1; the exact sum gives (1 + d)/(1 − d)": " —— 2/(1 − d) 只是 d 接近 1 时的极限；精确求和得到 (1 + d)/(1 − d)",
    "decay={decay}: expected {expected:.6g}, got {got:.6g}{hint}": "decay={decay}：应为 {expected:.6g}，实际得到 {got:.6g}{hint}",
    "N = (1 + d)/(1 − d) ≈ 2/(1 − d): twice the lag's 1/(1 − d) window": "N = (1 + d)/(1 − d) ≈ 2/(1 − d)：是滞后窗口 1/(1 − d) 的两倍",
    # exercise 2: the bug in the training step
    " — the target is a fresh draw, independent of the noise inside x_t: even a perfect model then scores E‖ε' − ε‖² = 2 per element. Keep the noise that made x_t and compare with it": " —— 目标是重新抽取的噪声，与 x_t 里的噪声相互独立：这样即使是完美的模型，每个元素的得分也是 E‖ε' − ε‖² = 2。请保留生成 x_t 的那份噪声，并与它比较",
    "a perfect model (it knows the data is one point) must score ≈ 0, yours gives {got:.4g}{hint}": "完美的模型（它知道数据只有一个点）得分应当 ≈ 0，你的函数给出 {got:.4g}{hint}",
    " — that is a sum over the 2 coordinates; L_simple is the mean over every element": " —— 这是对 2 个坐标求和；L_simple 是对所有元素取平均",
    " — that is the sum over the batch; L_simple is the mean": " —— 这是对整个批次求和；L_simple 取的是平均",
    " — that is the sum over every element; L_simple is the mean": " —— 这是对所有元素求和；L_simple 取的是平均",
    "a model that always answers 0 must score E[ε²] = 1, yours gives {got:.4g}{hint}": "总是回答 0 的模型得分应当是 E[ε²] = 1，你的函数给出 {got:.4g}{hint}",
    "the target is the noise inside x_t: a perfect model scores 0, the zero model 1": "目标就是 x_t 里的那份噪声：完美的模型得 0 分，恒为 0 的模型得 1 分",
    # exercise 3: the loss floor of Gaussian data
    " — that is (1 − ᾱ)/(ᾱ s² + 1 − ᾱ), the part of ε's variance that x_t explains; the floor is what is left, 1 minus it": " —— 这是 (1 − ᾱ)/(ᾱ s² + 1 − ᾱ)，即 ε 的方差中能由 x_t 解释的部分；下限是剩下的部分，即 1 减去它",
    " — that is 1 − c: the explained variance is c·Cov(ε, x_t) = Cov²/Var, not c itself": " —— 这是 1 − c：被解释的方差是 c·Cov(ε, x_t) = Cov²/Var，而不是 c 本身",
    " — x₀ enters x_t as √ᾱ x₀, so its variance there is ᾱ s², not √ᾱ s²": " —— x₀ 以 √ᾱ x₀ 的形式进入 x_t，所以它在 x_t 中的方差是 ᾱ s²，而不是 √ᾱ s²",
    " — that is the floor for s² = 1; the data's variance s² scales the signal's part ᾱ s²": " —— 这是 s² = 1 时的下限；数据的方差 s² 会缩放信号部分 ᾱ s²",
    " — that is the standard deviation; the floor is a mean square": " —— 这是标准差；下限是一个均方值",
    "alpha_bar={alpha_bar}, s2={s2}: expected {expected:.6g}, got {got:.6g}{hint}": "alpha_bar={alpha_bar}，s2={s2}：应为 {expected:.6g}，实际得到 {got:.6g}{hint}",
    "floor = ᾱ s²/(ᾱ s² + 1 − ᾱ): → 1 at small t, → 0 at large t": "下限 = ᾱ s²/(ᾱ s² + 1 − ᾱ)：t 小时 → 1，t 大时 → 0",
    # exercise 4: the x0 error factor
    "x̂₀-MSE = (1 − ᾱ_t)/ᾱ_t × ε-MSE: tiny at small t, huge at large t": "x̂₀ 的 MSE = (1 − ᾱ_t)/ᾱ_t × ε 的 MSE：t 小时极小，t 大时极大",
    "that is √((1 − ᾱ)/ᾱ), the factor on the error itself; an MSE is a squared error, so square it": "这是 √((1 − ᾱ)/ᾱ)，即误差本身的系数；MSE 是平方误差，所以还要再平方",
    "upside down: x̂₀ divides by √ᾱ_t, so the error grows as ᾱ_t → 0": "上下颠倒了：x̂₀ 要除以 √ᾱ_t，所以 ᾱ_t → 0 时误差变大",
    "that is 1 − ᾱ_t alone; x̂₀ also divides by √ᾱ_t, which squares to ᾱ_t": "这只是 1 − ᾱ_t；x̂₀ 还要除以 √ᾱ_t，平方后就是 ᾱ_t",
    "that is 1/ᾱ_t; the ε-term of x_t carries √(1 − ᾱ_t), which squares to 1 − ᾱ_t": "这是 1/ᾱ_t；x_t 中的 ε 项带有系数 √(1 − ᾱ_t)，平方后是 1 − ᾱ_t",
    "at alpha_bar_t = {alpha_bar}: expected {expected:.6g}, got {got:.6g}": "在 alpha_bar_t = {alpha_bar} 处：应为 {expected:.6g}，实际得到 {got:.6g}",
}
