"""Exercise checks for lesson 05 (the U-Net): each prints ✓ or ✗ with the likely mistake."""

from __future__ import annotations

import torch

from ..language import tr
from .feedback import CheckResult, call_answer, report, robust_check

__all__ = ["check_conv_parameters", "check_stage_shape", "check_conv_macs"]


@robust_check
def check_conv_parameters(fn) -> CheckResult:
    """Lesson 05, exercise 1: ``fn(in_ch, out_ch, kernel_size)`` = parameters of ``nn.Conv2d(in_ch, out_ch, k)``."""
    for in_ch, out_ch, k in ((3, 64, 3), (128, 128, 4), (1, 8, 1)):
        got, problem = call_answer(fn, in_ch, out_ch, k, number=True)
        if problem:
            return report(False, problem)
        expected = sum(p.numel() for p in torch.nn.Conv2d(in_ch, out_ch, k).parameters())
        if got != expected:
            hint = tr(" — don't forget one bias per output channel") if got == in_ch * out_ch * k * k else ""
            return report(
                False,
                tr(
                    "Conv2d({in_ch}, {out_ch}, {k}) has {expected:,} parameters, got {got:,.0f}{hint}",
                    in_ch=in_ch,
                    out_ch=out_ch,
                    k=k,
                    expected=expected,
                    got=got,
                    hint=hint,
                ),
            )
    return report(True, tr("in·out·k² weights + out biases"))


@robust_check
def check_stage_shape(fn) -> CheckResult:
    """Lesson 05, exercise 2: ``fn(shape, out_ch, downsample)`` = output shape of the seed's ``UNetStage``."""
    from ...unet import UNetStage

    cases = [((2, 64, 32, 32), 128, True), ((1, 2048, 4, 4), 512, False), ((3, 8, 16, 16), 4, True)]
    for shape, out_ch, down in cases:
        got, problem = call_answer(fn, shape, out_ch, down)
        if problem:
            return report(False, problem)
        in_ch = shape[1] if down else shape[1] // 2
        stage = UNetStage(in_ch, out_ch, time_dim=8, downsample=down)
        expected = tuple(stage(torch.zeros(shape), torch.zeros(shape[0], dtype=torch.long)).shape)
        try:
            got = tuple(int(v) for v in got)
        except (TypeError, ValueError):
            return report(
                False, tr("return the shape as a tuple of 4 integers (B, C, H, W); got {kind}", kind=type(got).__name__)
            )
        if got != expected:
            return report(
                False,
                tr(
                    "{stage} stage on {shape} with out_ch={out_ch}: expected {expected}, got {got} (down halves H and "
                    "W, up doubles them)",
                    stage=tr("down") if down else tr("up"),
                    shape=shape,
                    out_ch=out_ch,
                    expected=expected,
                    got=tuple(got),
                ),
            )
    return report(True, tr("down: (B, C_out, H/2, W/2); up: (B, C_out, 2H, 2W) from 2·C_in input channels"))


@robust_check
def check_conv_macs(fn) -> CheckResult:
    """Lesson 05, exercise 3 (derive): ``fn(in_ch, out_ch, kernel_size, out_h, out_w)`` = multiply-accumulates of
    one ``nn.Conv2d(in_ch, out_ch, k)`` producing an ``out_h × out_w`` map for one image: every one of the
    out_ch·out_h·out_w outputs is a sum of in_ch·k² products, so in_ch·out_ch·k²·out_h·out_w (``count_macs``)."""
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
    return report(True, tr("MACs = in_ch · out_ch · k² · out_h · out_w: each output sums in_ch·k² products"))
