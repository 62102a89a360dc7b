"""Chinese templates for widgets.py (the explorers' slider names, captions and text form)."""

MESSAGES: dict[str, str] = {
    "<{name}: sliders that show in JupyterLab's notebook view, not on slides or in static copies>": (
        "<{name}：滑块只在 JupyterLab 的笔记本视图中显示，幻灯片和静态副本中不显示>"
    ),
    # lesson 01
    "ink explorer": "墨水扩散探索器",
    "time step": "时间步",
    "step {step} of {last}: spread of the ink (std of the positions) = {spread:.3f}": (
        "第 {step} 步（共 {last} 步）：墨水的扩散程度（位置的标准差）= {spread:.3f}"
    ),
    # lesson 02
    "noising explorer": "加噪探索器",
    "schedule": "方差调度",
    "t = {t} (paper step {paper_t}): ᾱ_t = {alpha_bar:.4f} · signal std √ᾱ_t = {signal:.4f} · noise std √(1−ᾱ_t) = "
    "{noise:.4f}": (
        "t = {t}（论文第 {paper_t} 步）：ᾱ_t = {alpha_bar:.4f} · 信号标准差 √ᾱ_t = {signal:.4f}"
        " · 噪声标准差 √(1−ᾱ_t) = {noise:.4f}"
    ),
    # lessons 07a and 07b
    "trajectory explorer": "采样轨迹探索器",
    "steps taken": "已走步数",
    "after all {T} steps: the samples x_0": "走完全部 {T} 步：得到样本 x_0",
    "0 steps taken: pure noise x_T (index {index}, paper t = {paper_t})": (
        "已走 0 步：纯噪声 x_T（索引 {index}，论文中 t = {paper_t}）"
    ),
    "after {taken} of {T} steps: x_t at index {index} (paper t = {paper_t})": (
        "已走 {taken} 步（共 {T} 步）：索引 {index} 处的 x_t（论文中 t = {paper_t}）"
    ),
    "guidance explorer": "引导强度探索器",
    "guidance w": "引导强度 w",
    "w = {w:g}: no metrics for this weight": "w = {w:g}：这个引导强度没有评估指标",
}
