"""Chinese templates for exercises/lesson11.py, the checks of lesson 11 (the design space)."""

MESSAGES: dict[str, str] = {
    # exercise 1: the weight of the score target
    "that is x₀'s weight 1/SNR: the score divides ε by √(1 − ᾱ), which blows up the clean levels' errors": "这是 x₀ 的权重 1/SNR：分数把 ε 除以 √(1 − ᾱ)，这会把干净水平上的误差放大",
    "that is v's weight 1 + 1/SNR, upside down: 1/(1 − ᾱ) = 1 + SNR, not 1/ᾱ": "这是 v 的权重 1 + 1/SNR，上下颠倒了：1/(1 − ᾱ) = 1 + SNR，而不是 1/ᾱ",
    "that is the weight of the root mean square, not of the squared error: square 1/√(1 − ᾱ)": "这是均方根误差的权重，不是平方误差的：把 1/√(1 − ᾱ) 平方",
    "that divides ε by (1 − ᾱ), not by √(1 − ᾱ): the score is −ε/√(1 − ᾱ) (lesson 09a's common slip)": "这是把 ε 除以 (1 − ᾱ)，而不是除以 √(1 − ᾱ)：分数是 −ε/√(1 − ᾱ)（第 09a 课提到的常见失误）",
    "that is SNR = ᾱ/(1 − ᾱ); the weight is 1/(1 − ᾱ) = (1 − ᾱ + ᾱ)/(1 − ᾱ) = 1 + SNR": "这是 SNR = ᾱ/(1 − ᾱ)；权重是 1/(1 − ᾱ) = (1 − ᾱ + ᾱ)/(1 − ᾱ) = 1 + SNR",
    "that is 1 − ᾱ, upside down: ŝ − s = −(ε̂ − ε)/√(1 − ᾱ), so the weight is 1/(1 − ᾱ)": "这是 1 − ᾱ，上下颠倒了：ŝ − s = −(ε̂ − ε)/√(1 − ᾱ)，所以权重是 1/(1 − ᾱ)",
    "at SNR = {snr:g} expected 1 + SNR = {expected:.6g}": "在 SNR = {snr:g} 处应为 1 + SNR = {expected:.6g}",
    "‖ŝ − s‖² = ‖ε̂ − ε‖²/(1 − ᾱ) = (1 + SNR) ‖ε̂ − ε‖²: Song et al.'s weight 1 − ᾱ turns the score loss back into the ε-MSE": "‖ŝ − s‖² = ‖ε̂ − ε‖²/(1 − ᾱ) = (1 + SNR) ‖ε̂ − ε‖²：Song et al. 的权重 1 − ᾱ 把分数损失变回 ε 均方误差",
    # exercise 2: Var[F_target] with EDM's sigma_data = 0.5 on the eight Gaussians
    "measured with edm.preconditioning(σ, 0.5) on 200,000 draws (σ_d = {sigma:.3f}): Var[F_target] = {large:.3f} at σ = {big:g}, {small:.3f} at σ = {tiny:g}": "用 edm.preconditioning(σ, 0.5) 在 200,000 个样本上测得（σ_d = {sigma:.3f}）：σ = {big:g} 处 Var[F_target] = {large:.3f}，σ = {tiny:g} 处为 {small:.3f}",
    "as σ → ∞, c_skip → 0 and c_out → 0.5, so F_target → x₀/0.5: Var = σ_d²/0.5²": "σ → ∞ 时 c_skip → 0、c_out → 0.5，所以 F_target → x₀/0.5：方差 = σ_d²/0.5²",
    "as σ → 0, c_skip → 1 and c_out → σ, so F_target → −n: Var = 1": "σ → 0 时 c_skip → 1、c_out → σ，所以 F_target → −n：方差 = 1",
    "{run}. The noise side keeps unit variance whatever σ_data is; the data side is off by σ_d²/σ_data² = {ratio:.2f}, so F must output values {root:.2f} times larger than the preconditioning planned": "{run}。无论 σ_data 取何值，噪声一侧都保持单位方差；数据一侧偏离了 σ_d²/σ_data² = {ratio:.2f}，所以 F 的输出必须比预条件化预期的大 {root:.2f} 倍",
    "that is σ_d/0.5, not squared: a variance scales with the square of the data's scale": "这是 σ_d/0.5，没有平方：方差随数据尺度的平方变化",
    "preconditioning normalises only when σ_data is the data's own: at large σ F_target is x₀/0.5": "只有当 σ_data 是数据自己的标准差时，预条件化才会归一化：σ 很大时 F_target 是 x₀/0.5",
    "that is σ_d² alone: divide by c_out² → 0.5² (F_target → x₀/c_out)": "这只是 σ_d²：还要除以 c_out² → 0.5²（F_target → x₀/c_out）",
    "that is 0.5²/σ_d², upside down: F_target → x₀/0.5 has variance σ_d²/0.5²": "这是 0.5²/σ_d²，上下颠倒了：F_target → x₀/0.5 的方差是 σ_d²/0.5²",
    "at small σ F_target → −n, the noise, whatever σ_data is: the mismatch shows only on the data side": "σ 很小时 F_target → −n，即噪声本身，与 σ_data 无关：不匹配只出现在数据一侧",
    "F_target does not vanish: c_out → σ shrinks with the noise it divides": "F_target 不会消失：c_out → σ 与它所除的噪声一同缩小",
}
