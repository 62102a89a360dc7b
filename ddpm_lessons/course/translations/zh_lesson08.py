"""Chinese templates for exercises/lesson08.py, the checks of lesson 08 (what goes wrong)."""

MESSAGES: dict[str, str] = {
    "x = pixels/127.5 − 1: 0 → −1, 255 → 1": "x = pixels/127.5 − 1：0 → −1，255 → 1",
    "indices T−1, T−2, …, 0: T steps, the last one (index 0) without noise": "索引 T−1, T−2, …, 0：共 T 步，最后一步（索引 0）不加噪声",
    "KL = (s² − 1 − ln s²)/2 with s² = ᾱ_T v + 1 − ᾱ_T: zero only when ᾱ_T v + 1 − ᾱ_T = 1": "KL = (s² − 1 − ln s²)/2，其中 s² = ᾱ_T v + 1 − ᾱ_T：仅当 ᾱ_T v + 1 − ᾱ_T = 1 时为零",
    "return a floating-point tensor shaped like pixels (convert with .float() first)": "请返回与 pixels 形状相同的浮点张量（先用 .float() 转换）",
    "that is [0, 1] — the bug this lesson demonstrates; the model expects [−1, 1]": "这是 [0, 1]——正是本课演示的那个错误；模型需要的是 [−1, 1]",
    "0 must map to −1 and 255 to 1; got {low:.3g} … {high:.3g}": "0 必须映射到 −1，255 必须映射到 1；实际得到 {low:.3g} … {high:.3g}",
    "those are the paper's steps T … 1; code indices are one less (T−1 … 0)": "这是论文里的步数 T … 1；代码索引要各减一（T−1 … 0）",
    "T={T}: {hint}": "T={T}：{hint}",
    "alpha_bar_T={alpha_bar}, data_var={var}: got {got:.6g} — that is KL(N(0,1) ‖ q); the order matters": "alpha_bar_T={alpha_bar}，data_var={var}：得到 {got:.6g}——这是 KL(N(0,1) ‖ q)；KL 的两个分布不能交换顺序",
    "alpha_bar_T={alpha_bar}, data_var={var}: got {got:.6g}; expected {expected:.6g} (KL(N(0,s²)‖N(0,1)) = (s² − 1 − ln s²)/2)": "alpha_bar_T={alpha_bar}，data_var={var}：得到 {got:.6g}；应为 {expected:.6g}（KL(N(0,s²)‖N(0,1)) = (s² − 1 − ln s²)/2）",
    "return a list (or range) of integers": "请返回一个整数列表（或 range）",
    "the last step, index 0, is missing: without it the sample keeps the noise of step 1": "缺少最后一步（索引 0）：没有它，样本会一直带着第 1 步的噪声",
    "the sampler runs backwards in time: start at T−1": "采样器沿时间倒着走：从 T−1 开始",
    "expected {first} … {last}, got {got_first} … {got_last}": "应为 {first} … {last}，实际得到 {got_first} … {got_last}",
}
