"""Chinese templates for exercises/lesson05.py (the U-Net)."""

MESSAGES: dict[str, str] = {
    # check_stage_parameters
    " — 4·out_ch short: the biases of conv_in, spatial, conv_feat and time_proj, or BatchNorm's γ and β (2·out_ch "
    "for each of the two)": (
        "——少了 4·out_ch：conv_in、spatial、conv_feat 和 time_proj 的偏置，或者 BatchNorm 的 γ 和 β（两个 BatchNorm "
        "各 2·out_ch）"
    ),
    " — BatchNorm's running mean and variance are buffers, not parameters: count γ and β only": (
        "——BatchNorm 的滑动均值和方差是缓冲区（buffer），不是参数：只数 γ 和 β"
    ),
    " — the down-sampling convolution is 4×4 whatever kernel_size is": "——下采样卷积总是 4×4，与 kernel_size 无关",
    " — conv_feat is 3×3 whatever kernel_size is": "——conv_feat 总是 3×3，与 kernel_size 无关",
    " — an up stage's conv_in reads 2·in_ch channels: its input concatenated with the skip": (
        "——上采样阶段的 conv_in 读入 2·in_ch 个通道：它的输入与跳跃连接拼接在一起"
    ),
    " — the time projection: Linear(time_dim, out_ch), with its bias": "——别漏了时间投影 Linear(time_dim, out_ch) 及其偏置",
    " — the sinusoidal time encoding has no weights (lesson 04)": "——正弦时间编码没有权重（第 04 课）",
    "UNetStage({in_ch}, {out_ch}, time_dim={time_dim}, kernel_size={k}, downsample={down}) has {expected:,} "
    "parameters, got {got:,.0f}{hint}": (
        "UNetStage({in_ch}, {out_ch}, time_dim={time_dim}, kernel_size={k}, downsample={down}) 有 {expected:,} "
        "个参数，你的结果是 {got:,.0f}{hint}"
    ),
    "conv_in (in or 2·in)·out·k² + spatial 16·out² + conv_feat 9·out² + time_proj time_dim·out, plus 4·out biases "
    "and 4·out BatchNorm γ, β: the out² terms dominate, so doubling both widths about quadruples it": (
        "conv_in (in 或 2·in)·out·k² + spatial 16·out² + conv_feat 9·out² + time_proj time_dim·out，再加 4·out "
        "个偏置和 4·out 个 BatchNorm 的 γ、β：out² 项占主导，所以两个宽度都加倍时参数约变为 4 倍"
    ),
    # check_receptive_field
    " — conv_in and conv_feat run at the stage's input resolution, before the stride-2 convolution halves it "
    "(read UNetStage.forward)": (
        "——conv_in 和 conv_feat 在阶段输入的分辨率上运行，在步长为 2 的卷积把它减半之前（读一读 UNetStage.forward）"
    ),
    " — the stem is a 3×3 convolution too: it widens the field by 2": "——stem 也是一个 3×3 卷积：它让感受野变宽 2",
    " — the down-sampling convolution is 4×4, not 3×3": "——下采样卷积是 4×4，不是 3×3",
    " — after a stride-2 layer, one step of the next layer spans 2 input pixels: each layer widens the field by "
    "(k − 1) × the product of the strides before it": (
        "——经过步长为 2 的层之后，下一层的一步跨越 2 个输入像素：每一层让感受野变宽 (k − 1) × 它之前所有步长的乘积"
    ),
    " — count the 3×3 convolutions too, not only the stride-2 ones": "——3×3 卷积也要算上，不能只算步长为 2 的卷积",
    "after the stem and {n} down stage(s) one pixel depends on {measured}×{measured} input pixels (measured by "
    "autograd); your prediction {got:.0f}{hint}": (
        "经过 stem 和 {n} 个下采样阶段后，一个像素依赖于 {measured}×{measured} 个输入像素（由自动求导测得）；"
        "你的预测是 {got:.0f}{hint}"
    ),
    "each layer widens the field by (k − 1)·jump and each stride doubles the jump: 3, 10, 24, 52, 108 — wider than "
    "the article's 64×64 image, so the central bottleneck pixels see all of it and those at its border nearly all (a "
    "corner pixel would need 2·64 − 1 = 127)": (
        "每一层让感受野变宽 (k − 1)·跨度，每个步长 2 让跨度加倍：3、10、24、52、108——比原文 64×64 的图像还宽，"
        "所以瓶颈中间的像素能看到整张图像，边上的像素能看到几乎整张（角上的像素需要 2·64 − 1 = 127）"
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
    "MACs = in_ch · out_ch · k² · out_h · out_w: each output sums in_ch·k² products (pass down4_feature_macs to "
    "check your count for down4's conv_feat too)": (
        "MACs = in_ch · out_ch · k² · out_h · out_w：每个输出是 in_ch·k² 个乘积之和（再传入 down4_feature_macs，"
        "也检查你对 down4 的 conv_feat 的计数）"
    ),
    " — 4×4 is down4's output; conv_feat runs before the stride-2 convolution, at its input's {h}×{w}": (
        "——4×4 是 down4 的输出；conv_feat 在步长为 2 的卷积之前运行，分辨率是它输入的 {h}×{w}"
    ),
    " — conv_feat maps 1,024 channels to 1,024 (conv_in is the one that reads down3's 512)": (
        "——conv_feat 把 1,024 个通道映射到 1,024 个（读入 down3 的 512 个通道的是 conv_in）"
    ),
    "down4's conv_feat, one 64×64 image: expected {expected:,} MACs, got {got:,.0f}{hint}": (
        "down4 的 conv_feat，一张 64×64 图像：应为 {expected:,} 次 MACs，你的结果是 {got:,.0f}{hint}"
    ),
    "MACs = in_ch · out_ch · k² · out_h · out_w; down4's conv_feat runs at {h}×{w}: {expected:,} MACs, {ratio:.0f} "
    "times the stem's": (
        "MACs = in_ch · out_ch · k² · out_h · out_w；down4 的 conv_feat 在 {h}×{w} 上运行：{expected:,} 次 MACs，"
        "是 stem 的 {ratio:.0f} 倍"
    ),
    # check_batchnorm_prediction
    "return a pair (the t where the train-mode eps-MSE is largest, the t where train mode / eval mode is largest), "
    "each one of 50, 500, 950": (
        "请返回一对数（训练模式 eps-MSE 最大的 t，训练模式 / 评估模式之比最大的 t），每个都取 50、500、950 之一"
    ),
    "{ask}; got {kind}": "{ask}；你返回的是 {kind}",
    "each t": "每个 t",
    "{ask}; got {value!r}": "{ask}；你返回的是 {value!r}",
    "    t  eval mode  train mode  ratio (each of {n} noise draws)": "    t  评估模式    训练模式    比值（{n} 次噪声抽样各一个）",
    "the train-mode error is largest at t = {t_error}, where eval mode's is largest too; relative to eval mode the "
    "damage is largest at t = {t_ratio}: from {low:.0f}× (t = {low_t}) to {high:.0f}× (t = {high_t}) the error of "
    "eval mode": (
        "训练模式的误差在 t = {t_error} 处最大，评估模式的误差也在那里最大；相对于评估模式，损害在 t = {t_ratio} "
        "处最大：是评估模式误差的 {low:.0f} 倍（t = {low_t}）到 {high:.0f} 倍（t = {high_t}）"
    ),
    "the train-mode eps-MSE is largest at t = {t} (printed): small t is where this model's eps-MSE is largest in eval "
    "mode too": "训练模式的 eps-MSE 在 t = {t} 处最大（见输出）：这个模型在评估模式下的 eps-MSE 也是在小 t 处最大",
    "the largest error is not the largest ratio: divide by eval mode's error at the same t — the ratio is largest at "
    "t = {t} (printed)": (
        "误差最大之处不等于比值最大之处：要除以同一 t 下评估模式的误差——比值在 t = {t} 处最大（见输出）"
    ),
    "relative to eval mode the damage is largest at t = {t} (printed)": "相对于评估模式，损害在 t = {t} 处最大（见输出）",
    "your prediction {prediction}: ": "你的预测 {prediction}：",
}
