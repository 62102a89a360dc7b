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
    # exercise 2: c_skip at sigma = sigma_data
    "edm.preconditioning at σ = σ_data for σ_data = 0.5, 1 and 2: c_skip = {values}": "edm.preconditioning 在 σ = σ_data 处（σ_data = 0.5、1 和 2）：c_skip = {values}",
    "{run}; predicted {predicted:.3g}. σ_d²/(σ² + σ_d²) = ½ at σ = σ_d, whatever σ_d is: the denoiser keeps half of its input and the network supplies the rest": "{run}；你的预测 {predicted:.3g}。在 σ = σ_d 处 σ_d²/(σ² + σ_d²) = ½，与 σ_d 无关：去噪器保留输入的一半，其余由网络提供",
    "1 is the limit σ → 0 (clean input, D returns it); at σ = σ_d the noise is as large as the signal": "1 是 σ → 0 时的极限（输入是干净的，D 原样返回它）；在 σ = σ_d 处噪声与信号一样大",
    "0 is the limit σ → ∞ (pure noise, D ignores it)": "0 是 σ → ∞ 时的极限（纯噪声，D 不理会输入）",
    "1/√2 is c_out/σ_d and c_in·σ_d at σ = σ_d; c_skip = σ_d²/(σ² + σ_d²) has no square root": "1/√2 是 σ = σ_d 处的 c_out/σ_d 和 c_in·σ_d；c_skip = σ_d²/(σ² + σ_d²) 里没有平方根",
    "c_skip = σ_d²/(σ² + σ_d²): put σ = σ_d": "c_skip = σ_d²/(σ² + σ_d²)：代入 σ = σ_d",
}
