"""Chinese templates for exercises/lesson11.py, the checks of lesson 11 (the design space)."""

MESSAGES: dict[str, str] = {
    # exercise 1: the v weight
    "that is x₀'s weight 1/SNR: v also carries √ᾱ ε, which adds 1": "这是 x₀ 的权重 1/SNR：v 里还带着 √ᾱ ε，它再加上 1",
    "that is the weight of the root mean square, not of the squared error: square 1/√ᾱ": "这是均方根误差的权重，不是平方误差的：把 1/√ᾱ 平方",
    "that is SNR + 1: the weight falls as the SNR grows (v → ε at high SNR), use 1/SNR": "这是 SNR + 1：权重随 SNR 增大而减小（高 SNR 时 v → ε），应当用 1/SNR",
    "that is flow matching's (1 + 1/√SNR)²: v's two parts combine as (√ᾱ + (1 − ᾱ)/√ᾱ) = 1/√ᾱ": "这是流匹配的 (1 + 1/√SNR)²：v 的两部分合起来是 (√ᾱ + (1 − ᾱ)/√ᾱ) = 1/√ᾱ",
    "that is ᾱ, upside down: v̂ − v = (ε̂ − ε)/√ᾱ, so the weight is 1/ᾱ": "这是 ᾱ，上下颠倒了：v̂ − v = (ε̂ − ε)/√ᾱ，所以权重是 1/ᾱ",
    "each part was squared on its own, ᾱ + (1 − ᾱ)²/ᾱ: √ᾱ (ε̂ − ε) and −√(1 − ᾱ)(x̂₀ − x₀) point the same way, add them before squaring": "两部分被分别平方了，ᾱ + (1 − ᾱ)²/ᾱ：√ᾱ (ε̂ − ε) 与 −√(1 − ᾱ)(x̂₀ − x₀) 方向相同，要先相加再平方",
    "at SNR = {snr:g} expected 1 + 1/SNR = {expected:.6g}": "在 SNR = {snr:g} 处应为 1 + 1/SNR = {expected:.6g}",
    "‖v̂ − v‖² = ‖ε̂ − ε‖²/ᾱ = (1 + 1/SNR) ‖ε̂ − ε‖²: v-prediction is the ε-loss weighted by 1 + 1/SNR": "‖v̂ − v‖² = ‖ε̂ − ε‖²/ᾱ = (1 + 1/SNR) ‖ε̂ − ε‖²：v 预测就是以 1 + 1/SNR 加权的 ε 损失",
    # exercise 2: c_skip at sigma = sigma_data
    "edm.preconditioning at σ = σ_data for σ_data = 0.5, 1 and 2: c_skip = {values}": "edm.preconditioning 在 σ = σ_data 处（σ_data = 0.5、1 和 2）：c_skip = {values}",
    "{run}; predicted {predicted:.3g}. σ_d²/(σ² + σ_d²) = ½ at σ = σ_d, whatever σ_d is: the denoiser keeps half of its input and the network supplies the rest": "{run}；你的预测 {predicted:.3g}。在 σ = σ_d 处 σ_d²/(σ² + σ_d²) = ½，与 σ_d 无关：去噪器保留输入的一半，其余由网络提供",
    "1 is the limit σ → 0 (clean input, D returns it); at σ = σ_d the noise is as large as the signal": "1 是 σ → 0 时的极限（输入是干净的，D 原样返回它）；在 σ = σ_d 处噪声与信号一样大",
    "0 is the limit σ → ∞ (pure noise, D ignores it)": "0 是 σ → ∞ 时的极限（纯噪声，D 不理会输入）",
    "1/√2 is c_out/σ_d and c_in·σ_d at σ = σ_d; c_skip = σ_d²/(σ² + σ_d²) has no square root": "1/√2 是 σ = σ_d 处的 c_out/σ_d 和 c_in·σ_d；c_skip = σ_d²/(σ² + σ_d²) 里没有平方根",
    "c_skip = σ_d²/(σ² + σ_d²): put σ = σ_d": "c_skip = σ_d²/(σ² + σ_d²)：代入 σ = σ_d",
}
