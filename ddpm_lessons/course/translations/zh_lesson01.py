"""Chinese templates for exercises/lesson01.py (physical diffusion: the random walk and the score)."""

MESSAGES: dict[str, str] = {
    # check_predicted_variance
    " — each step adds the variance σ², not the standard deviation σ": "——每一步累加的是方差 σ²，而不是标准差 σ",
    " — don't forget the initial spread var0 of the ink drop": "——别忘了墨滴一开始的扩散程度 var0",
    " — independent variances add; standard deviations do not": "——独立随机量的方差可以相加，标准差不能",
    "for t={t}, sigma={sigma}, var0={var0} expected {expected:.6g}, got {got:.6g}{hint}": (
        "t={t}, sigma={sigma}, var0={var0} 时应为 {expected:.6g}，你的结果是 {got:.6g}{hint}"
    ),
    "variances of independent steps add: var0 + t·σ²": "独立各步的方差相加：var0 + t·σ²",
    # check_vp_step
    "{problem} (shaped like x)": "{problem}（形状应与 x 相同）",
    "the noise is scaled by β instead of √β": "噪声乘的是 β，应该乘 √β",
    "x must shrink by √(1 − β) before the noise is added": "加噪声之前，x 要先乘以 √(1 − β) 缩小",
    "x shrinks by √(1 − β), not by (1 − β)": "x 的缩放系数是 √(1 − β)，不是 (1 − β)",
    "that is pure addition: nothing keeps the variance bounded": "这只是单纯相加：没有任何东西让方差保持有界",
    "compare with √(1 − β)·x + √β·ε": "请与 √(1 − β)·x + √β·ε 对照",
    "beta={beta}: {hint}": "beta={beta}：{hint}",
    "√(1 − β)·x + √β·ε keeps a unit variance unit": "√(1 − β)·x + √β·ε 让方差为 1 的数据在加噪后方差仍为 1",
    # check_variance_after
    "var0={var0}, betas={betas}{more}: expected {expected:.6g}, got {got:.6g} — one step maps v to (1 − β)·v + β": (
        "var0={var0}, betas={betas}{more}：应为 {expected:.6g}，你的结果是 {got:.6g}——一步把方差 v 变成 (1 − β)·v + β"
    ),
    "v ← (1 − β)·v + β: every step pulls the variance towards 1": "v ← (1 − β)·v + β：每一步都把方差拉向 1",
    # check_gaussian_score
    "the score": "分数",
    "{problem} (one 2-D vector per point)": "{problem}（每个点对应一个二维向量）",
    "the sign is flipped: the score points towards the centre, where the density is highest": (
        "符号反了：分数指向中心，也就是密度最高的地方"
    ),
    "log N has −|x − c|²/(2v); its gradient is −(x − c)/v — the 2 cancels": (
        "log N 中有 −|x − c|²/(2v)；它的梯度是 −(x − c)/v——2 被约掉了"
    ),
    "divide by the variance v, not by the standard deviation √v": "要除以方差 v，而不是标准差 √v",
    "the gradient of −|x − c|²/(2v) still has the 1/v": "−|x − c|²/(2v) 的梯度里仍然有 1/v",
    "differentiate log N(x; c, vI) = −|x − c|²/(2v) + const with respect to x": (
        "对 log N(x; c, vI) = −|x − c|²/(2v) + 常数 关于 x 求导"
    ),
    "var={var}: {hint}": "var={var}：{hint}",
    "∇ log N(x; c, vI) = −(x − c)/v: it points back to the centre, stronger for a tight cloud": (
        "∇ log N(x; c, vI) = −(x − c)/v：它指回中心，点云越集中，它越强"
    ),
}
