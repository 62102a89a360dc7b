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
    "dim={dim} (beyond what TimePositionalEncoding accepts): {problem} — compute the distance from the "
    "formula you derived, with the gap alone, not from two embeddings": (
        "dim={dim}（超出了 TimePositionalEncoding 接受的范围）：{problem}——请用你推导出的公式、只凭间隔来计算距离，"
        "而不是拿两个嵌入相减"
    ),
    "‖PE(t) − PE(t′)‖ = 2√(Σ sin²((t − t′)ω_i/2)): the gap alone decides it; each sin² ≤ 1, so it is below 2√h": (
        "‖PE(t) − PE(t′)‖ = 2√(Σ sin²((t − t′)ω_i/2))：只由间隔决定；每个 sin² ≤ 1，所以它不超过 2√h"
    ),
    # check_fixed_embedding
    "the embedding": "嵌入",
    "dim={dim}: {problem}": "dim={dim}：{problem}",
    "dim={dim}: {hint}": "dim={dim}：{hint}",
    "you interleaved sin and cos; the seed's code puts all sines first, then all cosines": (
        "你把 sin 和 cos 交错排列了；原文的代码先放所有正弦，再放所有余弦"
    ),
    "that divides by half: Vaswani et al.'s text has 10000^(2i/d) = 10000^(i/h) (also in reference use), "
    "but the seed's code, which this check wants, divides by half − 1, so the longest wavelength is exactly "
    "2π·10000": (
        "这是除以 half：Vaswani 等人论文正文的 10000^(2i/d) = 10000^(i/h)（参考实现中也有人用），"
        "但本检查要的是原文代码的写法，除以 half − 1，这样最长波长恰好是 2π·10000"
    ),
    "the halves are [cos | sin] (improved-diffusion's layout, also valid); the package's convention, "
    "which this check wants, is [sin | cos]": (
        "两半是 [cos | sin]（improved-diffusion 的排法，同样可用）；本检查要的是本包的约定 [sin | cos]"
    ),
    "this is not the seed's embedding yet (t = 0 agrees, where every angle is 0): measure first, as the "
    "exercise asks, then compare the wavelengths with section 1's formula": (
        "这还不是原文的嵌入（t = 0 处一致，因为那里所有角度都是 0）：先按练习的要求去测量，再把波长和第 1 节的公式对照"
    ),
    "neighbouring steps still get nearly unrelated vectors (cosine similarity of PE(t) and PE(t + 1) "
    "below 0.5; the seed's embedding gives {right:.2f}): print your wavelengths, they must run from 2π "
    "up to 2π·10000 steps": (
        "相邻的步仍然得到几乎毫不相干的向量（PE(t) 与 PE(t + 1) 的余弦相似度低于 0.5；原文的嵌入给出 {right:.2f}）："
        "把你的波长打印出来，它们应当从 2π 步一直到 2π·10000 步"
    ),
    "wavelengths are 2π·10000^(i/(half − 1)), i = 0 … half − 1: from 2π up to exactly 2π·10000": (
        "波长为 2π·10000^(i/(half − 1))，i = 0 … half − 1：从 2π 到恰好 2π·10000"
    ),
    "i/(half − 1): wavelengths from 2π up to 2π·10000, and neighbouring steps get similar vectors again": (
        "i/(half − 1)：波长从 2π 到 2π·10000，相邻的步又得到相似的向量了"
    ),
    # check_fast_twins
    "return the steps as a list or a 1-D tensor of ints, got {kind}": "请把这些步以整数列表或一维张量返回，得到的是 {kind}",
    "leave t itself out: it is not a twin of itself": "把 t 本身排除在外：它不算自己的“双胞胎”",
    "you compared the sines alone; sin s = sin t also where the phase differs (s ≈ π − t + 2πm): "
    "compare the pair (sin s, cos s)": (
        "你只比较了正弦；在相位不同的地方（s ≈ π − t + 2πm）也有 sin s = sin t：请比较整对 (sin s, cos s)"
    ),
    "that compares the squared distance with tol; compare the distance": "这是拿距离的平方和 tol 比较；请比较距离本身",
    "t={t}, tol={tol}: {n_right} steps are that close, your function returned {n_got}{hint}": (
        "t={t}, tol={tol}：有 {n_right} 个步离得这么近，你的函数返回了 {n_got} 个{hint}"
    ),
    "the fast pair repeats every 2π ≈ 6.28 steps: its near-twins lie all along the chain, so it cannot say "
    "how noisy x_t is": (
        "快的那一对每 2π ≈ 6.28 步重复一次：与它几乎相同的步散布在整条链上，所以它说不出 x_t 有多嘈杂"
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
    "dim={dim}, k={k}, on vectors that are not embeddings: {problem}": "dim={dim}, k={k}，在不是嵌入的向量上：{problem}",
    "dim={dim}, k={k}: right on embeddings, but not linear: fn(a·e₁ + b·e₂) ≠ a·fn(e₁) + b·fn(e₂) for two "
    "arbitrary vectors. PE(t + k) must come from PE(t) through one fixed matrix (rotate each pair); "
    "recovering t and re-encoding t + k is not linear": (
        "dim={dim}, k={k}：在嵌入上是对的，但不是线性的：对两个任意向量，fn(a·e₁ + b·e₂) ≠ a·fn(e₁) + b·fn(e₂)。"
        "PE(t + k) 必须经由同一个固定矩阵从 PE(t) 得到（把每一对旋转）；先求出 t 再编码 t + k 不是线性的"
    ),
    "PE(t + k) = a fixed rotation of PE(t) for every t: one linear map, the same for every t, shifts time by k": (
        "对每个 t，PE(t + k) 都是 PE(t) 的同一个固定旋转：一个对所有 t 都相同的线性映射把时间平移 k"
    ),
}
