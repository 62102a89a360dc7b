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
    # exercise 4: the best x0-MSE for Gaussian data
    " — that is s², the error of always answering the mean; x_t is a second view of x₀, so the best answer given x_t does better (it reaches s² only as ᾱ → 0)": " —— 这是 s²，即总是回答均值时的误差；x_t 是 x₀ 的第二个观测，所以给定 x_t 的最佳回答会更好（只有在 ᾱ → 0 时才达到 s²）",
    " — that is exercise 3's ε-floor; an x̂₀-error is (1 − ᾱ)/ᾱ times an ε-error": " —— 这是练习 3 的 ε 下限；x̂₀ 的误差是 ε 误差的 (1 − ᾱ)/ᾱ 倍",
    " — that is (1 − ᾱ)/ᾱ, the x̂₀-error of the model that answers ε = 0 (x̂₀ = x_t/√ᾱ, ε-MSE 1); the exact model's ε-MSE is the floor, not 1": " —— 这是 (1 − ᾱ)/ᾱ，即回答 ε = 0 的模型的 x̂₀ 误差（x̂₀ = x_t/√ᾱ，ε 均方误差为 1）；精确模型的 ε 均方误差是下限，而不是 1",
    " — ε-error to x̂₀-error is (1 − ᾱ)/ᾱ, not ᾱ/(1 − ᾱ): x̂₀ divides the noise by √ᾱ": " —— 从 ε 误差到 x̂₀ 误差的系数是 (1 − ᾱ)/ᾱ，而不是 ᾱ/(1 − ᾱ)：x̂₀ 把噪声除以 √ᾱ",
    " — x_t/√ᾱ, not x_t, is the noisy view of x₀: its noise variance is (1 − ᾱ)/ᾱ, not 1 − ᾱ": " —— x₀ 的带噪观测是 x_t/√ᾱ 而不是 x_t：它的噪声方差是 (1 − ᾱ)/ᾱ，而不是 1 − ᾱ",
    " — variances add for a sum of independent terms; two views of the same x₀ combine by adding precisions (1/variance)": " —— 相互独立的项相加时方差相加；同一个 x₀ 的两个观测合并时，相加的是精度（方差的倒数）",
    "best x̂₀-MSE = (1 − ᾱ) s²/(ᾱ s² + 1 − ᾱ) ≤ s²: → 0 at small t, → s² (not ∞) at large t": "最佳 x̂₀ 均方误差 = (1 − ᾱ) s²/(ᾱ s² + 1 − ᾱ) ≤ s²：t 小时 → 0，t 大时 → s²（而不是 ∞）",
}
