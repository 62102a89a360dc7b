"""Chinese templates for exercises/lesson00.py (start here: paper steps and code indices)."""

MESSAGES: dict[str, str] = {
    # check_paper_to_code
    " — the code counts from 0": "——代码从 0 开始计数",
    "paper step {paper_t} is code index {index}, got {got:g}{hint}": (
        "论文第 {paper_t} 步对应代码索引 {index}，你的结果是 {got:g}{hint}"
    ),
    "code index = paper step − 1": "代码索引 = 论文步数 − 1",
    # check_alpha_bar_at_paper_step
    " — paper step 0 is the clean data: ᾱ_0 = 1 (schedule.alphas_cumprod_prev[0])": (
        "——论文第 0 步就是干净数据：ᾱ_0 = 1（schedule.alphas_cumprod_prev[0]）"
    ),
    " — off by one: paper step t is code index t − 1": "——差了一位：论文第 t 步是代码索引 t − 1",
    " — ᾱ_0 := 1: no noise has been added yet": "——ᾱ_0 := 1：此时还没有加入任何噪声",
    "paper step {paper_t}: expected {expected:.6g}, got {got:.6g}{hint}": (
        "论文第 {paper_t} 步：应为 {expected:.6g}，你的结果是 {got:.6g}{hint}"
    ),
    "ᾱ at paper step t is alphas_cumprod[t − 1], and ᾱ_0 = 1": "论文第 t 步的 ᾱ 是 alphas_cumprod[t − 1]，且 ᾱ_0 = 1",
    # check_constant_beta_alpha_bar
    " — 1 − tβ adds the betas; ᾱ multiplies the alphas α = 1 − β": "——1 − tβ 是把 β 相加；ᾱ 是把 α = 1 − β 相乘",
    " — e^(−tβ) is only the small-β approximation of the exact product": "——e^(−tβ) 只是 β 很小时对精确乘积的近似",
    " — that is 1 − β^t; the power applies to α = 1 − β": "——这是 1 − β^t；t 次方应作用在 α = 1 − β 上",
    " — that is β^t; ᾱ multiplies the alphas α = 1 − β, not the betas": "——这是 β^t；ᾱ 连乘的是 α = 1 − β，而不是 β",
    "beta={beta}, t={t}: expected {expected:.6g}, got {got:.6g}{hint}": (
        "beta={beta}, t={t}：应为 {expected:.6g}，你的结果是 {got:.6g}{hint}"
    ),
    "ᾱ_t = ∏ (1 − β) = (1 − β)^t": "ᾱ_t = ∏ (1 − β) = (1 − β)^t：每一步都乘以同一个 α = 1 − β",
}
