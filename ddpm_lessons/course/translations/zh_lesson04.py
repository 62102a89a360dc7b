"""Chinese templates for exercises/lesson04.py (the time embedding)."""

MESSAGES: dict[str, str] = {
    # check_embedding_distance
    " — that is the squared distance ‖PE(t + gap) − PE(t)‖²; take its square root": (
        "——这是距离的平方 ‖PE(t + gap) − PE(t)‖²；请再开平方根"
    ),
    " — that is the distance between unit vectors; each embedding has norm √h, h = dim/2": (
        "——这是两个单位向量之间的距离；每个嵌入的范数是 √h，h = dim/2"
    ),
    " — ‖a − b‖² = ‖a‖² + ‖b‖² − 2a·b: both norms count, h + h, before the dot product is taken off": (
        "——‖a − b‖² = ‖a‖² + ‖b‖² − 2a·b：两个范数都要算上，即 h + h，再减去点积"
    ),
    " — 1 − cos x = 2 sin²(x/2): the sine takes half the angle, gap·ω_i/2": (
        "——1 − cos x = 2 sin²(x/2)：正弦里是半角 gap·ω_i/2"
    ),
    " — those are the article text's frequencies 10000^(−i/h); the code's are 10000^(−i/(h − 1))": (
        "——这是原文正文公式的频率 10000^(−i/h)；原文代码的频率是 10000^(−i/(h − 1))"
    ),
    " — one frequency per (sin, cos) pair: h = dim/2 of them, not dim": (
        "——每一对 (sin, cos) 一个频率：共 h = dim/2 个，而不是 dim 个"
    ),
    "the distances": "距离",
    "dim={dim}: {problem}; return one distance per gap": "dim={dim}：{problem}；请为每个间隔返回一个距离",
    "dim={dim}, gap={gap:.4g}: the embeddings are {expected:.6g} apart, your function says {got:.6g}{hint}": (
        "dim={dim}, gap={gap:.4g}：两个嵌入相距 {expected:.6g}，你的函数给出 {got:.6g}{hint}"
    ),
    "‖PE(t) − PE(t′)‖ = 2√(Σ sin²((t − t′)ω_i/2)): the gap alone decides it, at most 2√h when every pair is opposite": (
        "‖PE(t) − PE(t′)‖ = 2√(Σ sin²((t − t′)ω_i/2))：只由间隔决定，当每一对都方向相反时最大为 2√h"
    ),
    # check_fixed_embedding
    "the embedding": "嵌入",
    "dim={dim}: {problem}": "dim={dim}：{problem}",
    "dim={dim}: {hint}": "dim={dim}：{hint}",
    "the exponent now falls too fast: −(ln(10000)/half − 1) still divides before it subtracts": (
        "现在指数下降得太快了：−(ln(10000)/half − 1) 仍然是先除后减"
    ),
    "that divides by half: the article text's 10000^(−i/h); the seed's code divides by half − 1": (
        "这是除以 half：原文正文公式的 10000^(−i/h)；原文代码除以的是 half − 1"
    ),
    "you interleaved sin and cos; the seed's code puts all sines first, then all cosines": (
        "你把 sin 和 cos 交错排列了；原文的代码先放所有正弦，再放所有余弦"
    ),
    "cos and sin halves are swapped: [sin | cos]": "cos 和 sin 两半放反了：应为 [sin | cos]",
    "frequencies are exp(−ln(10000)·i/(half − 1)), i = 0 … half − 1 (the lowest is exactly 1e-4)": (
        "频率为 exp(−ln(10000)·i/(half − 1))，i = 0 … half − 1（最低频率恰好是 1e-4）"
    ),
    "neighbouring steps get nearly unrelated vectors (cosine similarity of PE(t) and PE(t + 1) below 0.5; "
    "the seed's embedding gives {right:.2f}): some frequencies are far above 1 per step — print them": (
        "相邻的步得到几乎毫不相干的向量（PE(t) 与 PE(t + 1) 的余弦相似度低于 0.5；原文的嵌入给出 {right:.2f}）："
        "有些频率远大于每步 1——把它们打印出来看看"
    ),
    "ln(10000)/(half − 1): frequencies from 1 down to 1e-4, and neighbouring steps get similar vectors again": (
        "ln(10000)/(half − 1)：频率从 1 降到 1e-4，相邻的步又得到相似的向量了"
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
