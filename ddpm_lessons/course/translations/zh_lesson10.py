"""Chinese templates for exercises/lesson10.py, the checks of lesson 10's capstone."""

MESSAGES: dict[str, str] = {
    "your samples are None: did you forget `return`?": "你的样本是 None：是不是忘了 `return`？",
    "the samples must be a tensor of shape (n, 2), got {type}": "样本必须是形状为 (n, 2) 的张量，实际得到 {type}",
    "the samples have shape {shape}: transposed? expected (n, 2), one row per point": "样本的形状是 {shape}：是不是转置了？应为 (n, 2)，每行一个点",
    "the samples have shape {shape}; expected (n, 2), one row per 2-D point": "样本的形状是 {shape}；应为 (n, 2)，每行一个二维点",
    "only {n} samples: draw at least {minimum} (the distance is too noisy below)": "只有 {n} 个样本：至少要采样 {minimum} 个（少于这个数，距离的随机波动太大）",
    "{bad} of {total} sample coordinates are nan or inf: the training diverged (lr too large?) or the sampler divides by zero (√(1 − ᾱ) or β at the wrong index?)": "{total} 个样本坐标中有 {bad} 个是 nan 或 inf：训练发散了（lr 太大？），或者采样器除以了零（√(1 − ᾱ) 或 β 取错了索引？）",
    "the samples have collapsed to a point or a line (std {std:.3g}): is the same x reused for every sample, or the noise z left out?": "样本塌缩成了一个点或一条线（标准差 {std:.3g}）：是不是每个样本都复用了同一个 x，或者漏掉了噪声 z？",
    "sliced W {distance:.4f} is {ratio:.2f}× the data floor {floor:.4f}, {excess:.2f}× more than the {factor:g}× needed; {hint}": "切片 Wasserstein 距离 (sliced W) 为 {distance:.4f}，是数据下限 {floor:.4f} 的 {ratio:.2f} 倍，达到了要求上限（{factor:g} 倍）的 {excess:.2f} 倍；{hint}",
    "could not read {type} as a tensor of shape (n, 2) ({error_type}: {error})": "无法把 {type} 读成形状为 (n, 2) 的张量（{error_type}: {error}）",
    "dataset must be one of {names}, got {dataset!r}": "dataset 必须是 {names} 之一，实际得到 {dataset!r}",
    "scale must be a positive number, got {scale!r}": "scale 必须是正数，实际得到 {scale!r}",
    "sliced W {distance:.4f} = {ratio:.2f}× the data floor {floor:.4f} (needed ≤ {factor:g}×)": "切片 Wasserstein 距离 (sliced W) 为 {distance:.4f}，是数据下限 {floor:.4f} 的 {ratio:.2f} 倍（要求 ≤ {factor:g} 倍）",
    "they are closer to N(0, I) than to the data: does the loop update x at every step, and was the net trained?": "样本离 N(0, I) 比离数据更近：循环是否在每一步都更新了 x？网络训练过吗？",
    "your samples could not be checked ({error_type}: {error})": "无法检查你的样本（{error_type}: {error}）",
    "the samples are a complex tensor; expected real points (n, 2)": "样本是复数张量；应为实数点 (n, 2)",
    "the capstone wants your samples, a tensor of shape (n, 2), or pass your function itself (one with no arguments that returns them); got {type}": "综合练习 (capstone) 需要你的样本，即形状为 (n, 2) 的张量；也可以直接传入你的函数本身（一个不带参数、返回样本的函数）；实际得到 {type}",
    "they are {width:.2f}× as wide as the data: noise at the last step, σ_t too large, or train longer": "样本的宽度是数据的 {width:.2f} 倍：可能是最后一步加了噪声、σ_t 太大，或者需要训练更久",
    "they are only {width:.2f}× as wide as the data: is σ_t z added at each step but the last?": "样本的宽度只有数据的 {width:.2f} 倍：除最后一步外，每一步都加上 σ_t z 了吗？",
    "their mean is off by {shift:.3f}: check the 1/√α_t and β_t/√(1 − ᾱ_t) coefficients": "样本的均值偏离了 {shift:.3f}：请检查 1/√α_t 和 β_t/√(1 − ᾱ_t) 这两个系数",
    "the shape is roughly right: train longer or with a larger batch, and use the EMA weights": "形状大致正确：训练更久或用更大的批量，并使用指数滑动平均 (EMA) 权重",
}
