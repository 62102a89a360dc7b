"""Chinese templates for exercises/lesson00.py (start here: paper steps and code indices)."""

MESSAGES: dict[str, str] = {
    " — paper step 0 is the clean data: ᾱ_0 = 1 (schedule.alphas_cumprod_prev[0])": "——论文第 0 步就是干净数据：ᾱ_0 = 1（schedule.alphas_cumprod_prev[0]）",
    " — off by one: paper step t is code index t − 1": "——差了一位：论文第 t 步是代码索引 t − 1",
    "paper step {paper_t}: expected {expected:.6g}, got {got:.6g}{hint}": "论文第 {paper_t} 步：应为 {expected:.6g}，你的结果是 {got:.6g}{hint}",
    " — 1 − tβ adds the betas; ᾱ multiplies the alphas α = 1 − β": "——1 − tβ 是把 β 相加；ᾱ 是把 α = 1 − β 相乘",
    " — e^(−tβ) is only the small-β approximation of the exact product": "——e^(−tβ) 只是 β 很小时对精确乘积的近似",
    " — that is 1 − β^t; the power applies to α = 1 − β": "——这是 1 − β^t；t 次方应作用在 α = 1 − β 上",
    " — that is β^t; ᾱ multiplies the alphas α = 1 − β, not the betas": "——这是 β^t；ᾱ 连乘的是 α = 1 − β，而不是 β",
    "beta={beta}, t={t}: expected {expected:.6g}, got {got:.6g}{hint}": "beta={beta}, t={t}：应为 {expected:.6g}，你的结果是 {got:.6g}{hint}",
    "ᾱ_t = ∏ (1 − β) = (1 − β)^t": "ᾱ_t = ∏ (1 − β) = (1 − β)^t：每一步都乘以同一个 α = 1 − β",
    # check_noise_std_at
    " — both bugs are still there: the index and the missing square root": "——两个 bug 都还在：索引差一位，且少了平方根",
    " — index −1 is the last step, ᾱ_T: paper step 0 needs ᾱ_0 = 1, no noise": "——索引 −1 是最后一步的 ᾱ_T；论文第 0 步需要 ᾱ_0 = 1，即没有噪声",
    " — paper step t is code index t − 1, so paper step T is the last index": "——论文第 t 步是代码索引 t − 1，所以论文第 T 步是最后一个索引",
    " — that is the variance 1 − ᾱ_t; the standard deviation is its square root": "——这是方差 1 − ᾱ_t；标准差是它的平方根",
    " — that is the signal's scale √ᾱ_t; the noise's is √(1 − ᾱ_t)": "——这是信号的系数 √ᾱ_t；噪声的系数是 √(1 − ᾱ_t)",
    "noise std at paper step t = √(1 − alphas_cumprod[t − 1]), and 0 at step 0": "论文第 t 步噪声的标准差 = √(1 − alphas_cumprod[t − 1])，第 0 步为 0",
    # check_log_alpha_bar_T
    " — that is ᾱ_T itself; the exercise asks for its logarithm": "——这是 ᾱ_T 本身；题目要的是它的对数",
    " — ᾱ_T < 1, so ln ᾱ_T is negative": "——ᾱ_T < 1，所以 ln ᾱ_T 是负数",
    " — the average β of a linear schedule is (β_1 + β_T)/2: a factor ½ is missing": "——线性调度的平均 β 是 (β_1 + β_T)/2：少了一个因子 ½",
    " — that uses the largest β at every step; the β rise linearly from β_1": "——这相当于每一步都用最大的 β；实际上 β 从 β_1 起线性增长",
    " — that uses the smallest β at every step; the β rise linearly to β_T": "——这相当于每一步都用最小的 β；实际上 β 线性增长到 β_T",
    "T={T}, beta from {beta_1} to {beta_T}: the schedule gives ln ᾱ_T = {ran:.4g}, your prediction {got:.4g}{hint}": "T={T}，beta 从 {beta_1} 到 {beta_T}：按调度算得 ln ᾱ_T = {ran:.4g}，你的预测是 {got:.4g}{hint}",
    "ln ᾱ_T ≈ −Σ β_t = −T(β_1 + β_T)/2: twice the steps, ᾱ_T squared": "ln ᾱ_T ≈ −Σ β_t = −T(β_1 + β_T)/2：步数加倍，ᾱ_T 变为原来的平方",
}
