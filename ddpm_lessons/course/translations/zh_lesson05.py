"""Chinese templates for exercises/lesson05.py (the U-Net)."""

MESSAGES: dict[str, str] = {
    # check_conv_parameters
    " — don't forget one bias per output channel": "——别忘了每个输出通道还有一个偏置",
    "Conv2d({in_ch}, {out_ch}, {k}) has {expected:,} parameters, got {got:,.0f}{hint}": (
        "Conv2d({in_ch}, {out_ch}, {k}) 有 {expected:,} 个参数，你的结果是 {got:,.0f}{hint}"
    ),
    "in·out·k² weights + out biases": "in·out·k² 个权重 + out 个偏置",
    # check_stage_shape
    "return the shape as a tuple of 4 integers (B, C, H, W); got {kind}": (
        "请把形状返回为 4 个整数组成的元组 (B, C, H, W)；你返回的是 {kind}"
    ),
    "down": "下采样",
    "up": "上采样",
    "{stage} stage on {shape} with out_ch={out_ch}: expected {expected}, got {got} (down halves H and W, up doubles "
    "them)": (
        "{stage}阶段，输入 {shape}，out_ch={out_ch}：应为 {expected}，你的结果是 {got}（下采样把 H 和 W 减半，"
        "上采样把它们加倍）"
    ),
    "down: (B, C_out, H/2, W/2); up: (B, C_out, 2H, 2W) from 2·C_in input channels": (
        "下采样：(B, C_out, H/2, W/2)；上采样：由 2·C_in 个输入通道得到 (B, C_out, 2H, 2W)"
    ),
    # check_conv_macs
    "the kernel is k × k: multiply by k², not k": "卷积核是 k × k：要乘 k²，不是 k",
    "a MAC is one multiply-add; the bias adds no multiplications (count in·k² per output)": (
        "一次 MAC 是一次乘加；偏置不带来乘法（每个输出计 in·k² 次）"
    ),
    "count every output value: out_ch · out_h · out_w of them": "要数上每一个输出值：共 out_ch · out_h · out_w 个",
    "each output sums over all in_ch input channels": "每个输出都要对全部 in_ch 个输入通道求和",
    "Conv2d({in_ch}, {out_ch}, {k}) making {h}×{w} outputs: expected {expected:,}, got {got:,.0f}": (
        "Conv2d({in_ch}, {out_ch}, {k}) 输出 {h}×{w} 的特征图：应为 {expected:,}，你的结果是 {got:,.0f}"
    ),
    " — {hint}": "——{hint}",
    "MACs = in_ch · out_ch · k² · out_h · out_w: each output sums in_ch·k² products": (
        "MACs = in_ch · out_ch · k² · out_h · out_w：每个输出是 in_ch·k² 个乘积之和"
    ),
}
