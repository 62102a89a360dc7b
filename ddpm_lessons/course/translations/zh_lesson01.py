"""Chinese templates for exercises/lesson01.py (physical diffusion: the random walk and the score)."""

MESSAGES: dict[str, str] = {
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
    # check_gap_half_life
    " — ln 2/β uses −ln(1 − β) ≈ β, true only for a small β: the gap is multiplied by exactly 1 − β": "——ln 2/β 用了 −ln(1 − β) ≈ β，这只在 β 很小时成立：差距每一步恰好乘以 1 − β",
    " — the number of steps is positive: ln(1 − β) < 0, so divide ln 2 by −ln(1 − β)": "——步数是正数：ln(1 − β) < 0，所以要用 ln 2 除以 −ln(1 − β)",
    " — that is the time for the gap to shrink by a factor e; halving it takes ln 2 times that": "——这是差距缩小到 1/e 所需的步数；缩小一半只需它的 ln 2 倍",
    " — twice the answer: x is multiplied by √(1 − β), but E[x²] and its gap to 1 by 1 − β per step": "——这是答案的两倍：每一步 x 乘以 √(1 − β)，但 E[x²] 以及它与 1 的差距乘以 1 − β",
    " — half the answer: (1 − β)² is exercise 2's buggy step; the right step multiplies the gap by 1 − β": "——这是答案的一半：(1 − β)² 是练习 2 中有 bug 的那一步；正确的一步把差距乘以 1 − β",
    " — a whole number of steps: the half-life is the real number ln 2/(−ln(1 − β))": "——这是一个整数步数：半衰期是实数 ln 2/(−ln(1 − β))",
    " — write one step for the gap: 1 − m′ = 1 − (1 − β)m − β; then solve (…)^k = 1/2 for k": "——先写出差距的一步：1 − m′ = 1 − (1 − β)m − β；再对 k 求解 (…)^k = 1/2",
    " (the recursion from E[x²] = {start}: after {k} steps the gap is {share:.3f} of its start)": "（从 E[x²] = {start} 开始运行递推：{k} 步之后差距是初始的 {share:.3f}）",
    "beta={beta}: the gap halves after {expected:.6g} steps, your answer {got:.6g}{run}{hint}": "beta={beta}：差距在 {expected:.6g} 步后减半，你的答案是 {got:.6g}{run}{hint}",
    "1 − m′ = (1 − β)(1 − m): the gap to 1 shrinks by 1 − β per step, from below or from above, and halves every ln 2/(−ln(1 − β)) ≈ 0.69/β steps ({steps:.1f} at β = 0.02)": "1 − m′ = (1 − β)(1 − m)：无论从下方还是上方趋近，与 1 的差距每一步都乘以 1 − β，每 ln 2/(−ln(1 − β)) ≈ 0.69/β 步减半（β = 0.02 时为 {steps:.1f} 步）",
}
