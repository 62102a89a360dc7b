"""Chinese templates for exercises/lesson02.py (the forward process)."""

MESSAGES: dict[str, str] = {
    # check_alphas_cumprod
    "{problem} (one ᾱ per step)": "{problem}（每一步一个 ᾱ）",
    "that is the product of the betas; ᾱ multiplies the alphas α = 1 − β": "这是 β 的累积乘积；ᾱ 连乘的是 α = 1 − β",
    "that is α_t; ᾱ_t is the running product of all α up to t (torch.cumprod)": (
        "这是 α_t；ᾱ_t 是到第 t 步为止所有 α 的累积乘积（torch.cumprod）"
    ),
    "off by one: ᾱ at index 0 is α_0 itself, not 1": "差了一位：索引 0 处的 ᾱ 就是 α_0 本身，而不是 1",
    "expected {start} … at the start": "开头几项应为 {start} …",
    "ᾱ_t = cumprod(1 − β)": "ᾱ_t = cumprod(1 − β)：α 的累积乘积",
    # check_merged_noise_std
    " — that is the variance; the standard deviation is its square root": "——这是方差；标准差是它的平方根",
    " — standard deviations do not add; variances of independent Gaussians do": (
        "——标准差不能直接相加；独立高斯变量的方差才可以相加"
    ),
    "alpha_t={a}, alpha_prev={b}: expected {expected:.6g}, got {got:.6g}{hint}": (
        "alpha_t={a}, alpha_prev={b}：应为 {expected:.6g}，你的结果是 {got:.6g}{hint}"
    ),
    # check_q_sample
    "{problem} (shaped like x0)": "{problem}（形状应与 x0 相同）",
    "the noise is scaled by (1 − ᾱ) instead of √(1 − ᾱ) — a bug shipped in a popular course; then Var[x_t] ≠ 1": (
        "噪声乘的是 (1 − ᾱ)，应该乘 √(1 − ᾱ)——一门流行课程里就出过这个 bug；这样 Var[x_t] ≠ 1"
    ),
    "x_0 is scaled by ᾱ instead of √ᾱ": "x_0 乘的是 ᾱ，应该乘 √ᾱ",
    "the signal and noise scales are swapped": "信号和噪声的缩放系数弄反了",
    "compare with √ᾱ·x0 + √(1 − ᾱ)·ε": "请与 √ᾱ·x0 + √(1 − ᾱ)·ε 对照",
    "alpha_bar={alpha_bar}: {hint}": "alpha_bar={alpha_bar}：{hint}",
    "x_t = √ᾱ_t·x_0 + √(1 − ᾱ_t)·ε": "x_t = √ᾱ_t·x_0 + √(1 − ᾱ_t)·ε：正向扩散的闭式解",
    # check_forward_jump
    "return a pair (scale, variance); got {kind}": "请返回一对数 (scale, variance)；你返回的是 {kind}",
    "the variance: {problem}": "方差：{problem}",
    " — the signal scale is a square root: √(ᾱ_t/ᾱ_s)": "——信号的缩放系数带平方根：√(ᾱ_t/ᾱ_s)",
    " — that is the scale from x₀, √ᾱ_t; from x_s the steps 1 … s are already done": (
        "——这是从 x₀ 出发的缩放系数 √ᾱ_t；从 x_s 出发时，第 1 … s 步已经走完了"
    ),
    " — the ratio is ᾱ_t/ᾱ_s (the steps s+1 … t), not its inverse": "——比值是 ᾱ_t/ᾱ_s（第 s+1 … t 步），不是它的倒数",
    "{where}: scale expected {expected:.6g}, got {got:.6g}{hint}": (
        "{where}：scale 应为 {expected:.6g}，你的结果是 {got:.6g}{hint}"
    ),
    " — variances do not subtract: the jump multiplies the α of steps s+1 … t, so its variance is 1 − ᾱ_t/ᾱ_s": (
        "——方差不能直接相减：这一跳连乘的是第 s+1 … t 步的 α，所以它的方差是 1 − ᾱ_t/ᾱ_s"
    ),
    " — that is the variance from x₀, 1 − ᾱ_t": "——这是从 x₀ 出发的方差 1 − ᾱ_t",
    " — that is the standard deviation; the variance is 1 − ᾱ_t/ᾱ_s": "——这是标准差；方差是 1 − ᾱ_t/ᾱ_s",
    "{where}: variance expected {expected:.6g}, got {got:.6g}{hint}": (
        "{where}：variance 应为 {expected:.6g}，你的结果是 {got:.6g}{hint}"
    ),
    "q(x_t | x_s) = N(√(ᾱ_t/ᾱ_s)·x_s, 1 − ᾱ_t/ᾱ_s): the closed form restarted at s": (
        "q(x_t | x_s) = N(√(ᾱ_t/ᾱ_s)·x_s, 1 − ᾱ_t/ᾱ_s)：从第 s 步重新出发的闭式解"
    ),
}
