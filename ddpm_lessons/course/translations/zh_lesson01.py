"""Chinese templates for exercises/lesson01.py (physical diffusion: the random walk and the score)."""

MESSAGES: dict[str, str] = {
    "var0={var0}, betas={betas}{more}: expected {expected:.6g}, got {got:.6g} — one step maps v to (1 − β)·v + β": "var0={var0}, betas={betas}{more}：应为 {expected:.6g}，你的结果是 {got:.6g}——一步把方差 v 变成 (1 − β)·v + β",
    "v ← (1 − β)·v + β: every step pulls the variance towards 1": "v ← (1 − β)·v + β：每一步都把方差拉向 1",
    "the score": "分数",
    "{problem} (one 2-D vector per point)": "{problem}（每个点对应一个二维向量）",
    "the sign is flipped: the score points towards the centre, where the density is highest": "符号反了：分数指向中心，也就是密度最高的地方",
    "log N has −|x − c|²/(2v); its gradient is −(x − c)/v — the 2 cancels": "log N 中有 −|x − c|²/(2v)；它的梯度是 −(x − c)/v——2 被约掉了",
    "divide by the variance v, not by the standard deviation √v": "要除以方差 v，而不是标准差 √v",
    "the gradient of −|x − c|²/(2v) still has the 1/v": "−|x − c|²/(2v) 的梯度里仍然有 1/v",
    "differentiate log N(x; c, vI) = −|x − c|²/(2v) + const with respect to x": "对 log N(x; c, vI) = −|x − c|²/(2v) + 常数 关于 x 求导",
    "var={var}: {hint}": "var={var}：{hint}",
    "∇ log N(x; c, vI) = −(x − c)/v: it points back to the centre, stronger for a tight cloud": "∇ log N(x; c, vI) = −(x − c)/v：它指回中心，点云越集中，它越强",
    # check_mean_distance
    " — distances of kicks in random directions do not add; their variances do": "——方向随机的各次位移，其距离不能直接相加；相加的是方差",
    " — that is one kick's mean distance; after t kicks each coordinate has variance tσ²": "——这是一次位移的平均距离；t 次之后每个坐标的方差是 tσ²",
    " — that is the root-mean-square distance √E|x|²; the mean distance is √(π/2)·σ√t": "——这是均方根距离 √E|x|²；平均距离是 √(π/2)·σ√t",
    " — σ√t is one coordinate's standard deviation; the mean distance in the plane is √(π/2) times it": "——σ√t 是单个坐标的标准差；平面上的平均距离是它的 √(π/2) 倍",
    " — that is the variance of one coordinate, not a distance": "——这是单个坐标的方差，不是距离",
    "t={t}, sigma={sigma}: the walk of {n} particles moved {ran:.4f} on average (± {tolerance:.4f}), your prediction {got:.4f}{hint}": "t={t}, sigma={sigma}：{n} 个粒子的随机游走平均移动了 {ran:.4f}（± {tolerance:.4f}），你的预测是 {got:.4f}{hint}",
    "mean distance after t kicks = √(π/2)·σ√t: variances add, so the distance grows like √t": "t 次位移后的平均距离 = √(π/2)·σ√t：方差相加，所以距离按 √t 增长",
    # check_settled_mean_square
    " — 1 is where the correct step √(1 − β)·x settles; the bug multiplies x² by (1 − β)²": "——1 是正确的一步 √(1 − β)·x 的稳定值；这个 bug 让 x² 乘以 (1 − β)²",
    " — 1/2 is only the small-β limit: solve m = (1 − β)²·m + β exactly": "——1/2 只是 β 很小时的极限：请精确求解 m = (1 − β)²·m + β",
    " — that is the standard deviation; the exercise asks for the mean square E[x²]": "——这是标准差；题目要的是均方 E[x²]",
    "beta={beta}: the buggy step settles at E[x²] = {ran:.6g}, your prediction {got:.6g}{hint}": "beta={beta}：有 bug 的这一步使 E[x²] 稳定在 {ran:.6g}，你的预测是 {got:.6g}{hint}",
    "the buggy step settles at E[x²] = β/(1 − (1 − β)²) = 1/(2 − β) ≈ 1/2, not 1": "有 bug 的这一步使 E[x²] 稳定在 β/(1 − (1 − β)²) = 1/(2 − β) ≈ 1/2，而不是 1",
}
