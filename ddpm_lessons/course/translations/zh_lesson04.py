"""Chinese templates for exercises/lesson04.py (the time embedding)."""

MESSAGES: dict[str, str] = {
    # check_time_embedding
    "the embedding": "嵌入",
    "dim={dim}: {problem}": "dim={dim}：{problem}",
    "dim={dim}: {hint}": "dim={dim}：{hint}",
    "you interleaved sin and cos; the seed's code puts all sines first, then all cosines": (
        "你把 sin 和 cos 交错排列了；原文的代码先放所有正弦，再放所有余弦"
    ),
    "cos and sin halves are swapped: [sin | cos]": "cos 和 sin 两半放反了：应为 [sin | cos]",
    "frequencies are exp(−ln(10000)·i/(half − 1)), i = 0 … half − 1 (the lowest is exactly 1e-4)": (
        "频率为 exp(−ln(10000)·i/(half − 1))，i = 0 … half − 1（最低频率恰好是 1e-4）"
    ),
    # check_time_bias
    "{problem}; add t_emb[..., None, None] to h": "{problem}；请把 t_emb[..., None, None] 加到 h 上",
    "each channel c of example b gets the same number t_emb[b, c] at every pixel": (
        "样本 b 的每个通道 c 在每个像素上都加同一个数 t_emb[b, c]"
    ),
    "h + t_emb[..., None, None]: one number per channel, broadcast over the image": (
        "h + t_emb[..., None, None]：每个通道一个数，广播到整张图像"
    ),
    # check_shifted_embedding
    "the shifted embedding": "平移后的嵌入",
    "dim={dim}, k={k}: {problem}": "dim={dim}, k={k}：{problem}",
    "dim={dim}, k={k}: {hint}": "dim={dim}, k={k}：{hint}",
    "that is PE(t) unchanged; every pair (sin tω, cos tω) must turn by kω": (
        "这是原封不动的 PE(t)；每一对 (sin tω, cos tω) 都要旋转 kω"
    ),
    "that is PE(t − k): the rotation's sin(kω) terms have the wrong sign — sin(a + b) = sin a cos b + cos a sin b, "
    "cos(a + b) = cos a cos b − sin a sin b": (
        "这是 PE(t − k)：旋转中 sin(kω) 项的符号错了——sin(a + b) = sin a cos b + cos a sin b，"
        "cos(a + b) = cos a cos b − sin a sin b"
    ),
    "use sin(a + b) = sin a cos b + cos a sin b and cos(a + b) = cos a cos b − sin a sin b with a = tω_i, b = kω_i": (
        "利用 sin(a + b) = sin a cos b + cos a sin b 和 cos(a + b) = cos a cos b − sin a sin b，取 a = tω_i, b = kω_i"
    ),
    "PE(t + k) = a fixed rotation of PE(t) for every t: a linear layer can shift time": (
        "对每个 t，PE(t + k) 都是 PE(t) 的同一个固定旋转：一个线性层就能平移时间"
    ),
}
