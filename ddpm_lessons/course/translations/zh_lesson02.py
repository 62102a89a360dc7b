"""Chinese templates for exercises/lesson02.py (the forward process)."""

MESSAGES: dict[str, str] = {
    "return a pair (scale, variance); got {kind}": "请返回一对数 (scale, variance)；你返回的是 {kind}",
    "the variance: {problem}": "方差：{problem}",
    " — the signal scale is a square root: √(ᾱ_t/ᾱ_s)": "——信号的缩放系数带平方根：√(ᾱ_t/ᾱ_s)",
    " — that is the scale from x₀, √ᾱ_t; from x_s the steps 1 … s are already done": "——这是从 x₀ 出发的缩放系数 √ᾱ_t；从 x_s 出发时，第 1 … s 步已经走完了",
    " — the ratio is ᾱ_t/ᾱ_s (the steps s+1 … t), not its inverse": "——比值是 ᾱ_t/ᾱ_s（第 s+1 … t 步），不是它的倒数",
    "{where}: scale expected {expected:.6g}, got {got:.6g}{hint}": "{where}：scale 应为 {expected:.6g}，你的结果是 {got:.6g}{hint}",
    " — variances do not subtract: the jump multiplies the α of steps s+1 … t, so its variance is 1 − ᾱ_t/ᾱ_s": "——方差不能直接相减：这一跳连乘的是第 s+1 … t 步的 α，所以它的方差是 1 − ᾱ_t/ᾱ_s",
    " — that is the variance from x₀, 1 − ᾱ_t": "——这是从 x₀ 出发的方差 1 − ᾱ_t",
    " — that is the standard deviation; the variance is 1 − ᾱ_t/ᾱ_s": "——这是标准差；方差是 1 − ᾱ_t/ᾱ_s",
    "{where}: variance expected {expected:.6g}, got {got:.6g}{hint}": "{where}：variance 应为 {expected:.6g}，你的结果是 {got:.6g}{hint}",
    "q(x_t | x_s) = N(√(ᾱ_t/ᾱ_s)·x_s, 1 − ᾱ_t/ᾱ_s): the closed form restarted at s": "q(x_t | x_s) = N(√(ᾱ_t/ᾱ_s)·x_s, 1 − ᾱ_t/ᾱ_s)：从第 s 步重新出发的闭式解",
    # check_chain_coefficients
    "for t = {n} steps": "对 t = {n} 步",
    " — the squares belong to the variance; the scale is the product of the a's": "——平方属于方差；系数是各个 a 的乘积",
    " — the scales multiply, step after step; they do not add": "——每一步的系数相乘，而不是相加",
    " — the noise added at step s is shrunk by every later step: multiply b_s² by a_r² for r > s": "——第 s 步加入的噪声会被之后每一步缩小：b_s² 要乘以所有 r > s 的 a_r²",
    " — 1 − ∏a² holds only for DDPM's choice b² = 1 − a²; here the b's are free": "——1 − ∏a² 只在 DDPM 的选择 b² = 1 − a² 下成立；这里的 b 是任意的",
    " — a step's own a does not shrink its own noise: only a_{s+1} … a_t act on b_s·ε_s": "——一步自己的 a 不会缩小它自己的噪声：只有 a_{s+1} … a_t 作用在 b_s·ε_s 上",
    " — that is the standard deviation; the exercise asks for the variance": "——这是标准差；题目要的是方差",
    "scale ∏ a_s, variance Σ b_s² ∏_{r>s} a_r²: with a = √α, b = √(1 − α) it is 1 − ᾱ_t": "系数 ∏ a_s，方差 Σ b_s² ∏_{r>s} a_r²：取 a = √α、b = √(1 − α) 时就是 1 − ᾱ_t",
    # check_finds_bug
    "{name} must return True (a bug found) or False, got {kind}": "{name} 必须返回 True（发现了 bug）或 False，得到的是 {kind}",
    "your measurement calls a right closed form wrong (its noise is drawn another way, still N(0, 1)): compare statistics of many draws — mean and variance of x_t — within a few standard errors, not single draws": "你的测量把一个正确的闭式公式判成了错误（它用另一种方式抽取噪声，但仍是 N(0, 1)）：应比较大量抽样的统计量——x_t 的均值和方差——并允许几个标准误的误差，而不是比较单次抽样",
    "your measurement misses a wrong closed form: {name}": "你的测量漏掉了一个错误的闭式公式：{name}",
    "the noise scaled by (1 − ᾱ) instead of √(1 − ᾱ)": "噪声乘的是 (1 − ᾱ)，而不是 √(1 − ᾱ)",
    "x₀ scaled by ᾱ instead of √ᾱ": "x₀ 乘的是 ᾱ，而不是 √ᾱ",
    "the signal and noise scales swapped — at ᾱ = 1/2 they are equal: measure at another ᾱ too": "信号和噪声的系数互换了——在 ᾱ = 1/2 时两者相等：还要在别的 ᾱ 上测量",
    "mean √ᾱ·x₀ and variance 1 − ᾱ, measured at more than one ᾱ, expose all three bugs": "在不止一个 ᾱ 上测量均值 √ᾱ·x₀ 和方差 1 − ᾱ，三个 bug 都能发现",
    # check_equal_power_step
    " — that is the code index; the exercise asks for the paper step (code index + 1)": "——这是代码索引；题目要的是论文中的步数（代码索引 + 1）",
    " — that is where ᾱ_t = 1/2, right for E[x₀²] = 1; the signal's part of E[x_t²] is ᾱ_t·m0": "——这是 ᾱ_t = 1/2 的位置，只在 E[x₀²] = 1 时才对；E[x_t²] 中信号的部分是 ᾱ_t·m0",
    " — m0 scales the signal's part ᾱ_t·m0, not the noise's 1 − ᾱ_t": "——m0 缩放的是信号的部分 ᾱ_t·m0，而不是噪声的部分 1 − ᾱ_t",
    "{name} schedule, m0={m0}: the noise first carries half of E[x_t²] at paper step {expected}, your prediction {got:g}{hint}": "{name} 调度，m0={m0}：噪声在论文第 {expected} 步首次占到 E[x_t²] 的一半，你的预测是 {got:g}{hint}",
    "E[x_t²] = ᾱ_t·m0 + (1 − ᾱ_t): the noise's half comes earlier for dimmer data (smaller m0)": "E[x_t²] = ᾱ_t·m0 + (1 − ᾱ_t)：数据越暗（m0 越小），噪声越早占到一半",
}
