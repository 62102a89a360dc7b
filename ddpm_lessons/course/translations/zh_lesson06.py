"""Chinese templates for exercises/lesson06.py, the checks of lesson 06 (training)."""

MESSAGES: dict[str, str] = {
    "t ~ Uniform{0, …, T−1}, one per example, from the given generator": "t ~ Uniform{0, …, T−1}：每个样本一个，且取自给定的生成器",
    "ema ← decay·ema + (1 − decay)·value": "ema ← decay·ema + (1 − decay)·value：指数滑动平均 (EMA) 的更新正确",
    "L_simple = mean((ε − ε_θ)²)": "L_simple = mean((ε − ε_θ)²)：简化损失正确",
    "x̂₀-MSE = (1 − ᾱ_t)/ᾱ_t × ε-MSE: tiny at small t, huge at large t": "x̂₀ 的 MSE = (1 − ᾱ_t)/ᾱ_t × ε 的 MSE：t 小时极小，t 大时极大",
    "return a long tensor of shape (batch_size,) — e.g. torch.randint(0, T, (B,), generator=g)": "请返回形状为 (batch_size,) 的 long 张量——例如 torch.randint(0, T, (B,), generator=g)",
    "values must cover 0 … T−1 = 9 (0-based code indices); got {low} … {high}": "取值必须覆盖 0 … T−1 = 9（从 0 开始的代码索引）；实际得到 {low} … {high}",
    "t is not uniform: counts per step {counts}": "t 不是均匀分布：各时间步的计数为 {counts}",
    "use the generator you are given, so that a seed reproduces the draws": "请使用传入的生成器，这样同一个种子才能复现同样的抽样",
    "that is the sum; L_simple is the mean (the sum scales the loss by C·H·W)": "这是求和；L_simple 取的是平均（求和会把损失放大 C·H·W 倍）",
    "ema={ema}, value={value}, decay={decay}: expected {expected:.6g}, got {got:.6g}": "ema={ema}，value={value}，decay={decay}：应为 {expected:.6g}，实际得到 {got:.6g}",
    "that is the mean absolute error; square the differences": "这是平均绝对误差；请先把差值平方",
    "expected {expected:.6f}, got {got:.6g}": "应为 {expected:.6f}，实际得到 {got:.6g}",
    "that is √((1 − ᾱ)/ᾱ), the factor on the error itself; an MSE is a squared error, so square it": "这是 √((1 − ᾱ)/ᾱ)，即误差本身的系数；MSE 是平方误差，所以还要再平方",
    "upside down: x̂₀ divides by √ᾱ_t, so the error grows as ᾱ_t → 0": "上下颠倒了：x̂₀ 要除以 √ᾱ_t，所以 ᾱ_t → 0 时误差变大",
    "that is 1 − ᾱ_t alone; x̂₀ also divides by √ᾱ_t, which squares to ᾱ_t": "这只是 1 − ᾱ_t；x̂₀ 还要除以 √ᾱ_t，平方后就是 ᾱ_t",
    "that is 1/ᾱ_t; the ε-term of x_t carries √(1 − ᾱ_t), which squares to 1 − ᾱ_t": "这是 1/ᾱ_t；x_t 中的 ε 项带有系数 √(1 − ᾱ_t)，平方后是 1 − ᾱ_t",
    "at alpha_bar_t = {alpha_bar}: expected {expected:.6g}, got {got:.6g}": "在 alpha_bar_t = {alpha_bar} 处：应为 {expected:.6g}，实际得到 {got:.6g}",
    "ema={ema}, value={value}, decay={decay}: expected {expected:.6g}, got {got:.6g} — decay weighs the old average, (1 − decay) the new value": "ema={ema}，value={value}，decay={decay}：应为 {expected:.6g}，实际得到 {got:.6g}——decay 是旧平均值的权重，(1 − decay) 才是新值的权重",
}
