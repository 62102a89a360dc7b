"""Exercise checks for lesson 05 (the U-Net): each prints ✓ or ✗ with the likely mistake.

Exercise 1 derives a ``UNetStage``'s parameter count from its layers, 2 predicts how far one bottleneck pixel sees
(its receptive field) and the check measures it by autograd, 3 derives a convolution's multiply-accumulates and
applies it to down4's feature convolution (which runs at 8×8, before the stride-2 convolution), 4 predicts at which
noise level a BatchNorm network run in train mode on a batch at one t is hurt most, and the check measures it."""

from __future__ import annotations

import copy
import functools

import torch

from ..language import tr
from .feedback import CheckResult, call_answer, number_answer, report, robust_check, type_name, which_mistake

__all__ = ["check_stage_parameters", "check_receptive_field", "check_conv_macs", "check_batchnorm_prediction"]


def _stage_layers(in_ch: int, out_ch: int, time_dim: int, k: int, down: bool) -> dict:
    """The parameters of each layer of the seed's ``UNetStage`` (weights + biases; BatchNorm's γ and β)."""
    reads = in_ch if down else 2 * in_ch  # an up stage reads its input concatenated with the skip
    return {
        "conv_in": reads * out_ch * k * k + out_ch,
        "spatial": out_ch * out_ch * 4 * 4 + out_ch,  # 4×4, stride 2, whatever kernel_size is
        "conv_feat": out_ch * out_ch * 3 * 3 + out_ch,  # always 3×3
        "time_proj": time_dim * out_ch + out_ch,
        "batch_norms": 2 * 2 * out_ch,
    }


def _stage_parameter_slips(in_ch: int, out_ch: int, time_dim: int, k: int, down: bool) -> dict:
    layers = _stage_layers(in_ch, out_ch, time_dim, k, down)
    total = sum(layers.values())
    up_reads = 0 if down else in_ch * out_ch * k * k
    return {
        tr(
            " — 4·out_ch short: the biases of conv_in, spatial, conv_feat and time_proj, or BatchNorm's γ and β "
            "(2·out_ch for each of the two)"
        ): total - 4 * out_ch,
        tr(" — BatchNorm's running mean and variance are buffers, not parameters: count γ and β only"): total
        + 4 * out_ch,
        tr(" — the down-sampling convolution is 4×4 whatever kernel_size is"): total
        - 16 * out_ch * out_ch
        + k * k * out_ch * out_ch,
        tr(" — conv_feat is 3×3 whatever kernel_size is"): total - 9 * out_ch * out_ch + k * k * out_ch * out_ch,
        tr(" — an up stage's conv_in reads 2·in_ch channels: its input concatenated with the skip"): total - up_reads,
        tr(" — the time projection: Linear(time_dim, out_ch), with its bias"): total - layers["time_proj"],
        tr(" — the sinusoidal time encoding has no weights (lesson 04)"): total + time_dim,
    }


@robust_check
def check_stage_parameters(fn) -> CheckResult:
    """Lesson 05, exercise 1 (derive): ``fn(in_ch, out_ch, time_dim, kernel_size, downsample)`` = the parameters of
    ``UNetStage(in_ch, out_ch, time_dim, kernel_size=kernel_size, downsample=downsample)``, derived from its layers;
    the check builds the stage and counts them."""
    from ...models import count_parameters
    from ...unet import UNetStage

    cases = ((3, 8, 16, 3, True), (64, 128, 32, 3, True), (48, 24, 20, 5, False), (16, 40, 8, 1, False))
    for in_ch, out_ch, time_dim, k, down in cases:
        got, problem = call_answer(fn, in_ch, out_ch, time_dim, k, down, number=True)
        if problem:
            return report(False, problem)
        stage = UNetStage(in_ch, out_ch, time_dim, kernel_size=k, downsample=down)
        expected = count_parameters(stage)
        if got != expected:
            slips = _stage_parameter_slips(in_ch, out_ch, time_dim, k, down)
            hint = which_mistake(got, {text: value for text, value in slips.items() if value != expected})
            return report(
                False,
                tr(
                    "UNetStage({in_ch}, {out_ch}, time_dim={time_dim}, kernel_size={k}, downsample={down}) has "
                    "{expected:,} parameters, got {got:,.0f}{hint}",
                    in_ch=in_ch,
                    out_ch=out_ch,
                    time_dim=time_dim,
                    k=k,
                    down=down,
                    expected=expected,
                    got=got,
                    hint=hint,
                ),
            )
    return report(
        True,
        tr(
            "conv_in (in or 2·in)·out·k² + spatial 16·out² + conv_feat 9·out² + time_proj time_dim·out, plus 4·out "
            "biases and 4·out BatchNorm γ, β: the out² terms dominate, so doubling both widths about quadruples it"
        ),
    )


# (kernel, stride) of the layers on the down path, in order; "stem" is one 3×3 convolution.
_STEM = [(3, 1)]
_DOWN_STAGE = [(3, 1), (3, 1), (4, 2)]  # conv_in and conv_feat at the input resolution, then the stride-2 conv


def _receptive_field(layers) -> int:
    """Width of the input region one output pixel depends on: each layer widens it by (k − 1)·jump, where the jump
    (input pixels between neighbouring outputs) is the product of the strides before the layer."""
    width, jump = 1, 1
    for k, stride in layers:
        width += (k - 1) * jump
        jump *= stride
    return width


def _measured_receptive_field(num_down: int) -> int:
    """The width, in input pixels, of the region with a non-zero gradient for one central pixel of the stem + the
    first ``num_down`` down stages of a (narrow) seed U-Net, its ReLUs removed so no path is cut."""
    from ...unet import DiffusionUNet

    torch.manual_seed(0)
    net = DiffusionUNet(img_channels=1, time_dim=8, channel_sequence=(4, 4, 4, 4, 4)).eval()
    for stage in net.down_blocks:
        stage.act = torch.nn.Identity()  # a dead ReLU could zero a path; the extent is set by the layers alone
    size = 192
    x = torch.zeros(1, 1, size, size, requires_grad=True)
    t = torch.tensor([500])
    h = net.stem(x)
    for stage in net.down_blocks[:num_down]:
        h = stage(h, t)
    centre = h.shape[-1] // 2
    h[0, :, centre, centre].sum().backward()
    columns = (x.grad[0, 0] != 0).any(dim=0).nonzero().flatten()
    return int(columns.max() - columns.min() + 1)


def _receptive_field_slips(num_down: int) -> dict:
    after_stride = [(4, 2), (3, 1), (3, 1)]
    return {
        tr(
            " — conv_in and conv_feat run at the stage's input resolution, before the stride-2 convolution halves it "
            "(read UNetStage.forward)"
        ): _receptive_field(_STEM + after_stride * num_down),
        tr(" — the stem is a 3×3 convolution too: it widens the field by 2"): _receptive_field(_DOWN_STAGE * num_down),
        tr(" — the down-sampling convolution is 4×4, not 3×3"): _receptive_field(
            _STEM + [(3, 1), (3, 1), (3, 2)] * num_down
        ),
        tr(
            " — after a stride-2 layer, one step of the next layer spans 2 input pixels: each layer widens the field by "
            "(k − 1) × the product of the strides before it"
        ): _receptive_field([(k, 1) for k, _ in _STEM + _DOWN_STAGE * num_down]),
        tr(" — count the 3×3 convolutions too, not only the stride-2 ones"): _receptive_field([(4, 2)] * num_down),
    }


@robust_check
def check_receptive_field(fn) -> CheckResult:
    """Lesson 05, exercise 2 (predict, then run): ``fn(num_down)`` = the width in input pixels of the region that one
    pixel after the stem and ``num_down`` down stages of the seed's U-Net depends on (its receptive field); the check
    measures it by back-propagating from one pixel and finding the input pixels with a non-zero gradient."""
    for num_down in (1, 2, 3, 4):
        got, problem = call_answer(fn, num_down, number=True)
        if problem:
            return report(False, problem)
        measured = _measured_receptive_field(num_down)
        if got != measured:
            hint = which_mistake(got, _receptive_field_slips(num_down))
            return report(
                False,
                tr(
                    "after the stem and {n} down stage(s) one pixel depends on {measured}×{measured} input pixels "
                    "(measured by autograd); your prediction {got:.0f}{hint}",
                    n=num_down,
                    measured=measured,
                    got=got,
                    hint=hint,
                ),
            )
    return report(
        True,
        tr(
            "each layer widens the field by (k − 1)·jump and each stride doubles the jump: 3, 10, 24, 52, 108 — wider "
            "than the article's 64×64 image, so the central bottleneck pixels see all of it and those at its border "
            "nearly all (a corner pixel would need 2·64 − 1 = 127)"
        ),
    )


def _down4_feature_macs() -> tuple[int, tuple[int, int]]:
    """MACs of the article's down4 ``conv_feat`` for one 64×64 image, and the (H, W) it runs at, measured by a hook
    on a stage built like down4 but narrow (its input is down3's output: 8×8)."""
    from ...unet import UNetStage

    stage = UNetStage(4, 4, time_dim=8, downsample=True).eval()
    seen = []
    handle = stage.conv_feat.register_forward_hook(lambda m, args, out: seen.append(tuple(out.shape[-2:])))
    with torch.no_grad():
        stage(torch.zeros(1, 4, 8, 8), torch.tensor([500]))
    handle.remove()
    h, w = seen[0]
    return 1024 * 1024 * 3 * 3 * h * w, (h, w)


def _check_down4(value) -> CheckResult:
    got, problem = number_answer(value, "down4_feature_macs")
    if problem:
        return report(False, problem)
    expected, (h, w) = _down4_feature_macs()
    if got != expected:
        hint = which_mistake(
            got,
            {
                tr(
                    " — 4×4 is down4's output; conv_feat runs before the stride-2 convolution, at its input's {h}×{w}",
                    h=h,
                    w=w,
                ): 1024 * 1024 * 9 * (h // 2) * (w // 2),
                tr(" — conv_feat maps 1,024 channels to 1,024 (conv_in is the one that reads down3's 512)"): 512
                * 1024
                * 9
                * h
                * w,
            },
            rtol=0,
            atol=0.5,
        )
        return report(
            False,
            tr(
                "down4's conv_feat, one 64×64 image: expected {expected:,} MACs, got {got:,.0f}{hint}",
                expected=expected,
                got=got,
                hint=hint,
            ),
        )
    return report(
        True,
        tr(
            "MACs = in_ch · out_ch · k² · out_h · out_w; down4's conv_feat runs at {h}×{w}: {expected:,} MACs, "
            "{ratio:.0f} times the stem's",
            h=h,
            w=w,
            expected=expected,
            ratio=expected / (3 * 64 * 3 * 3 * 64 * 64),
        ),
    )


@robust_check
def check_conv_macs(fn, down4_feature_macs=None) -> CheckResult:
    """Lesson 05, exercise 3 (derive): ``fn(in_ch, out_ch, kernel_size, out_h, out_w)`` = multiply-accumulates of
    one ``nn.Conv2d(in_ch, out_ch, k)`` producing an ``out_h × out_w`` map for one image: every one of the
    out_ch·out_h·out_w outputs is a sum of in_ch·k² products, so in_ch·out_ch·k²·out_h·out_w (``count_macs``).
    ``down4_feature_macs``, when given, is the learner's count for the article's down4 ``conv_feat`` on one 64×64
    image; the check measures the resolution that convolution runs at (8×8, before the stride-2 convolution)."""
    from ...models import count_macs

    for in_ch, out_ch, k, h, w, stride in ((3, 64, 3, 32, 32, 1), (64, 64, 4, 16, 16, 2), (8, 16, 1, 5, 7, 1)):
        got, problem = call_answer(fn, in_ch, out_ch, k, h, w, number=True)
        if problem:
            return report(False, problem)
        conv = torch.nn.Conv2d(in_ch, out_ch, k, stride=stride, padding=(k - stride + 1) // 2)
        size = (h * stride, w * stride) if stride > 1 else (h, w)
        expected = count_macs(conv, torch.zeros(1, in_ch, *size))
        if got != expected:
            wrong = {
                tr("the kernel is k × k: multiply by k², not k"): in_ch * out_ch * k * h * w,
                tr("a MAC is one multiply-add; the bias adds no multiplications (count in·k² per output)"): (
                    in_ch * out_ch * k * k * h * w + out_ch * h * w
                ),
                tr("count every output value: out_ch · out_h · out_w of them"): in_ch * out_ch * k * k,
                tr("each output sums over all in_ch input channels"): out_ch * k * k * h * w,
            }
            hint = next((text for text, value in wrong.items() if got == value), "")
            return report(
                False,
                tr(
                    "Conv2d({in_ch}, {out_ch}, {k}) making {h}×{w} outputs: expected {expected:,}, got {got:,.0f}",
                    in_ch=in_ch,
                    out_ch=out_ch,
                    k=k,
                    h=h,
                    w=w,
                    expected=expected,
                    got=got,
                )
                + (tr(" — {hint}", hint=hint) if hint else ""),
            )
    if down4_feature_macs is not None:
        return _check_down4(down4_feature_macs)
    return report(
        True,
        tr(
            "MACs = in_ch · out_ch · k² · out_h · out_w: each output sums in_ch·k² products (pass down4_feature_macs "
            "to check your count for down4's conv_feat too)"
        ),
    )


BATCHNORM_TIMES = (50, 500, 950)
"""The noise levels exercise 4 compares: a batch of the photo with every example at one of these t."""
_BATCHNORM_DRAWS = (40, 41, 42)  # three noise draws per t: an ordering reported by the check holds in each


@functools.lru_cache(maxsize=1)
def _one_level_errors() -> dict:
    """{t: [(eval-mode eps-MSE, train-mode eps-MSE) per noise draw]} of the shipped photo_ddpm.pt (the article's
    DiffusionUNet, with BatchNorm) on a batch of 64 copies of the photo, every example noised at the same t."""
    from ...checkpoints import shipped_path
    from ...data import load_photo
    from ...process import q_sample
    from ...train import load_trained

    model, schedule, payload = load_trained(shipped_path("photo_ddpm.pt"), device="cpu")
    size = payload["train_config"]["data"]["image_size"]
    x0 = load_photo(image_shape=(size, size)).expand(64, -1, -1, -1)
    errors = {}
    for t in BATCHNORM_TIMES:
        t_all = torch.full((x0.shape[0],), t)
        errors[t] = []
        for seed in _BATCHNORM_DRAWS:
            noise = torch.randn(x0.shape, generator=torch.Generator().manual_seed(seed))
            x_t = q_sample(schedule, x0, t_all, noise)
            with torch.no_grad():  # a copy in train mode: its forward pass updates its own running statistics
                modes = (copy.deepcopy(model).eval(), copy.deepcopy(model).train())
                errors[t].append(tuple(((net(x_t, t_all) - noise) ** 2).mean().item() for net in modes))
    return errors


def _pair_of_times(value) -> tuple[tuple | None, str | None]:
    ask = tr(
        "return a pair (the t where the train-mode eps-MSE is largest, the t where train mode / eval mode is largest), "
        "each one of 50, 500, 950"
    )
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        return None, tr("{ask}; got {kind}", ask=ask, kind=type_name(value))
    times = []
    for item in value:
        number, problem = number_answer(item, tr("each t"))
        if problem or number not in BATCHNORM_TIMES:
            return None, tr("{ask}; got {value!r}", ask=ask, value=value)
        times.append(int(number))
    return tuple(times), None


@robust_check
def check_batchnorm_prediction(fn) -> CheckResult:
    """Lesson 05, exercise 4 (predict, then run): ``fn()`` returns ``(t_error, t_ratio)``, two of 50, 500, 950: where
    the train-mode eps-MSE of the shipped photo model on a batch at one t is largest, and where its ratio to the
    eval-mode eps-MSE on the same inputs is largest. The check then measures both (three noise draws per t), prints
    the table and compares it with the prediction."""
    got, problem = call_answer(fn)
    if problem:
        return report(False, problem)
    prediction, problem = _pair_of_times(got)
    if problem:
        return report(False, problem)
    errors = _one_level_errors()
    mean = {t: [sum(draw[i] for draw in errors[t]) / len(errors[t]) for i in (0, 1)] for t in BATCHNORM_TIMES}
    ratios = {t: [train / evaluation for evaluation, train in errors[t]] for t in BATCHNORM_TIMES}
    print(tr("    t  eval mode  train mode  ratio (each of {n} noise draws)", n=len(_BATCHNORM_DRAWS)))
    for t in BATCHNORM_TIMES:
        each = ", ".join(f"{r:.1f}" for r in ratios[t])
        print(f"{t:5d} {mean[t][0]:10.4f} {mean[t][1]:11.4f}  {each}")
    t_error = max(BATCHNORM_TIMES, key=lambda t: mean[t][1])
    t_ratio = max(BATCHNORM_TIMES, key=lambda t: min(ratios[t]))
    low, high = min(BATCHNORM_TIMES, key=lambda t: max(ratios[t])), t_ratio
    if prediction == (t_error, t_ratio):
        return report(
            True,
            tr(
                "the train-mode error is largest at t = {t_error}, where eval mode's is largest too; relative to eval "
                "mode the damage is largest at t = {t_ratio}: from {low:.0f}× (t = {low_t}) to {high:.0f}× "
                "(t = {high_t}) the error of eval mode",
                t_error=t_error,
                t_ratio=t_ratio,
                low=min(ratios[low]),
                low_t=low,
                high=max(ratios[high]),
                high_t=high,
            ),
        )
    hints = []
    if prediction[0] != t_error:
        hints.append(
            tr(
                "the train-mode eps-MSE is largest at t = {t} (printed): small t is where this model's eps-MSE is "
                "largest in eval mode too",
                t=t_error,
            )
        )
    if prediction[1] != t_ratio:
        hints.append(
            tr(
                "the largest error is not the largest ratio: divide by eval mode's error at the same t — the ratio "
                "is largest at t = {t} (printed)",
                t=t_ratio,
            )
            if prediction[1] == t_error
            else tr("relative to eval mode the damage is largest at t = {t} (printed)", t=t_ratio)
        )
    return report(False, tr("your prediction {prediction}: ", prediction=prediction) + "; ".join(hints))
