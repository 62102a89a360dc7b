"""The seed's U-Net (faithful, 62,714,307 parameters), the improved U-Net and the MLP denoiser."""

import pytest
import torch

from ddpm_lessons.models import MLPDenoiser, ResidualUNet, build_model, count_parameters
from ddpm_lessons.unet import DiagramWiredUNet, DiffusionUNet, UNetStage


def test_seed_unet_parameter_count_and_shapes():
    model = DiffusionUNet()
    assert count_parameters(model) == 62_714_307, "the article's DiffusionUNet with its defaults"
    small = DiffusionUNet(channel_sequence=(8, 16, 32, 64, 128))
    x = torch.randn(2, 3, 64, 64)
    assert small(x, torch.tensor([0, 999])).shape == x.shape


def test_seed_stage_layer_order_and_shapes():
    down = UNetStage(8, 16, time_dim=32)
    assert [name for name, _ in down.named_children()] == [
        "time_encoder",
        "time_proj",
        "conv_in",
        "spatial",
        "bn1",
        "bn2",
        "conv_feat",
        "act",
    ]
    assert down(torch.randn(2, 8, 16, 16), torch.tensor([1, 2])).shape == (2, 16, 8, 8)
    up = UNetStage(16, 8, time_dim=32, downsample=False)
    assert up(torch.randn(2, 32, 8, 8), torch.tensor([1, 2])).shape == (2, 8, 16, 16)
    # conv -> ReLU -> BatchNorm: right after bn1 in train mode every channel has mean ~0 over the batch
    stage = UNetStage(3, 4, time_dim=8, use_label_cond=True)
    assert isinstance(stage.label_proj, torch.nn.Linear) and stage.label_proj.in_features == 1


def test_seed_unet_label_conditioning_errors():
    model = DiffusionUNet(channel_sequence=(4, 8), label_conditioning=True)
    x, t = torch.randn(2, 3, 8, 8), torch.tensor([1, 2])
    assert model(x, t, torch.tensor([[0.0], [1.0]])).shape == x.shape
    with pytest.raises(ValueError, match="labels are required"):
        model(x, t)
    plain = DiffusionUNet(channel_sequence=(4, 8))
    with pytest.raises(ValueError, match="label_conditioning=False"):
        plain(x, t, torch.tensor([[0.0], [1.0]]))


def _what_each_stage_receives(net, x, t):
    """{stage: names of the recorded stage outputs its input is made of, in order} from forward hooks."""
    stages = [("stem", net.stem)] + [(f"down{i + 1}", b) for i, b in enumerate(net.down_blocks)]
    stages += [(f"up{i + 1}", b) for i, b in enumerate(net.up_blocks)] + [("head", net.head)]
    outputs, inputs = {}, {}
    hooks = [m.register_forward_hook(lambda m, a, out, name=name: outputs.__setitem__(name, out)) for name, m in stages]
    hooks += [m.register_forward_pre_hook(lambda m, a, name=name: inputs.__setitem__(name, a[0])) for name, m in stages]
    with torch.no_grad():
        net(x, t)
    for h in hooks:
        h.remove()

    def parts(tensor):
        found, start = [], 0
        while start < tensor.shape[1]:
            name, out = next(
                (n, o)
                for n, o in outputs.items()
                if o.shape[2:] == tensor.shape[2:]
                and start + o.shape[1] <= tensor.shape[1]
                and torch.equal(tensor[:, start : start + o.shape[1]], o)
            )
            found.append(name)
            start += out.shape[1]
        return found

    return {name: parts(inputs[name]) for name in inputs if name.startswith("up") or name == "head"}


def test_diagram_wired_unet_receives_the_skips_the_article_draws():
    x, t = torch.randn(2, 3, 32, 32), torch.tensor([3, 700])
    torch.manual_seed(0)
    article = DiffusionUNet(channel_sequence=(4, 8, 12, 16, 20)).eval()
    torch.manual_seed(0)
    diagram = DiagramWiredUNet(channel_sequence=(4, 8, 12, 16, 20)).eval()
    assert _what_each_stage_receives(article, x, t) == {
        "up1": ["down4", "down4"],
        "up2": ["up1", "down3"],
        "up3": ["up2", "down2"],
        "up4": ["up3", "down1"],
        "head": ["up4"],
    }
    assert _what_each_stage_receives(diagram, x, t) == {
        "up1": ["down4"],
        "up2": ["up1", "down3"],
        "up3": ["up2", "down2"],
        "up4": ["up3", "down1"],
        "head": ["up4", "stem"],
    }
    assert diagram(x, t).shape == x.shape
    torch.manual_seed(0)
    single_read = DiagramWiredUNet(channel_sequence=(4, 8, 12, 16, 20), stem_skip=False).eval()
    assert _what_each_stage_receives(single_read, x, t) == {
        "up1": ["down4"],
        "up2": ["up1", "down3"],
        "up3": ["up2", "down2"],
        "up4": ["up3", "down1"],
        "head": ["up4"],
    }
    assert count_parameters(diagram) - count_parameters(single_read) == 3 * 4  # the head reads C_0 more
    assert torch.equal(single_read.head.weight, article.head.weight), "built after the same seed"
    with pytest.raises(TypeError, match="stem_skip must be True or False, got 'no'"):
        DiagramWiredUNet(channel_sequence=(4, 8), stem_skip="no")


@pytest.mark.parametrize("channels", [(16, 32, 64, 128), (8, 16, 32, 64, 128), (4, 6)])
def test_diagram_wiring_changes_only_up1s_first_convolution_and_the_head(channels):
    article, diagram = DiffusionUNet(channel_sequence=channels), DiagramWiredUNet(channel_sequence=channels)
    a, d = article.state_dict(), diagram.state_dict()
    assert a.keys() == d.keys()
    assert {k for k in a if a[k].shape != d[k].shape} == {"up_blocks.0.conv_in.weight", "head.weight"}
    # up1's 3x3 convolution reads C_last channels instead of 2 C_last; the 1x1 head 2 C_0 instead of C_0
    saved = 9 * channels[-1] * channels[-2] - 3 * channels[0]
    assert count_parameters(article) - count_parameters(diagram) == saved
    with pytest.raises(ValueError, match="labels were given but this DiagramWiredUNet"):
        diagram(torch.randn(1, 3, 2 ** len(channels), 2 ** len(channels)), torch.tensor([0]), torch.ones(1, 1))
    assert build_model("DiagramWiredUNet", diagram.config).state_dict().keys() == d.keys()


@pytest.mark.parametrize(
    "size, words",
    [
        (50, "height 50 is not divisible by 2\\*\\*4 = 16.*nearest valid sizes: 48 or 64"),
        (8, "height 8 is not divisible by 2\\*\\*4 = 16.*nearest valid sizes: 16"),
    ],
)
def test_seed_unet_size_errors(size, words):
    with pytest.raises(ValueError, match=words):
        DiffusionUNet(channel_sequence=(4, 8, 8, 8, 8))(torch.randn(1, 3, size, size), torch.tensor([0]))


def test_seed_unet_channel_error():
    with pytest.raises(ValueError, match="x must have 3 channels \\(img_channels\\), got 1"):
        DiffusionUNet(channel_sequence=(4, 8))(torch.randn(1, 1, 8, 8), torch.tensor([0]))


@pytest.mark.parametrize("channels, size", [(1, 28), (3, 32), (1, 16)])
def test_residual_unet_shapes_and_zero_init(channels, size):
    torch.manual_seed(0)
    model = ResidualUNet(in_channels=channels, base_channels=16, channel_mults=(1, 2, 2))
    x = torch.randn(3, channels, size, size)
    out = model(x, torch.tensor([0, 10, 999]))
    assert out.shape == x.shape
    assert torch.equal(out, torch.zeros_like(out)), "zero-initialised output convolution: untrained net predicts 0"


def test_residual_unet_train_and_eval_agree():
    """GroupNorm normalises each sample alone: unlike BatchNorm, eval mode computes the same function."""
    torch.manual_seed(0)
    model = ResidualUNet(in_channels=1, base_channels=8, channel_mults=(1, 2))
    torch.nn.init.normal_(model.out[-1].weight)
    x, t = torch.randn(4, 1, 8, 8), torch.tensor([1, 2, 3, 4])
    a = model.train()(x, t)
    b = model.eval()(x, t)
    assert torch.allclose(a, b, atol=1e-6)
    assert torch.allclose(model(x[:1], t[:1]), b[:1], atol=1e-5), "a sample does not depend on its batch"


def test_residual_unet_conditioning_and_errors():
    model = ResidualUNet(in_channels=1, base_channels=8, channel_mults=(1, 2), num_classes=10)
    x, t = torch.randn(2, 1, 8, 8), torch.tensor([1, 2])
    assert model.null_label == 10
    assert model(x, t, torch.tensor([3, 10])).shape == x.shape
    with pytest.raises(ValueError, match="labels are required.*null_label"):
        model(x, t)
    with pytest.raises(ValueError, match="labels must lie in \\[0, 10\\]"):
        model(x, t, torch.tensor([3, 11]))
    with pytest.raises(ValueError, match="labels must be a long tensor of shape \\(2,\\)"):
        model(x, t, torch.tensor([3.0, 1.0]))
    plain = ResidualUNet(in_channels=1, base_channels=8, channel_mults=(1, 2))
    with pytest.raises(ValueError, match="unconditional"):
        plain(x, t, torch.tensor([1, 2]))
    with pytest.raises(ValueError, match="x must have 1 channels"):
        plain(torch.randn(2, 3, 8, 8), t)
    with pytest.raises(ValueError, match="not divisible by 2\\*\\*1 = 2.*nearest valid sizes: 8 or 10"):
        plain(torch.randn(2, 1, 9, 8), t)
    with pytest.raises(ValueError, match="in_channels must be 1 or 3"):
        ResidualUNet(in_channels=2)


def test_mlp_time_inputs_and_errors():
    for time_input in ("sinusoidal", "scalar", "raw", "none"):
        model = MLPDenoiser(time_input=time_input)
        assert model(torch.randn(5, 2), torch.arange(5)).shape == (5, 2)
    with pytest.raises(ValueError, match="x must have shape \\(B, 2\\)"):
        MLPDenoiser()(torch.randn(5, 3), torch.arange(5))
    with pytest.raises(ValueError, match="time_input must be one of"):
        MLPDenoiser(time_input="learned")


def test_build_model_round_trip():
    for model in (
        ResidualUNet(base_channels=8, channel_mults=(1, 2)),
        MLPDenoiser(hidden=16),
        DiffusionUNet(channel_sequence=(4, 8)),
    ):
        rebuilt = build_model(type(model).__name__, model.config)
        assert rebuilt.config == model.config
        assert count_parameters(rebuilt) == count_parameters(model)
    with pytest.raises(ValueError, match="model kind must be one of"):
        build_model("Transformer", {})


def test_count_macs_of_single_layers():
    from ddpm_lessons.models import count_macs

    conv = torch.nn.Conv2d(3, 8, 3, padding=1)
    assert count_macs(conv, torch.zeros(1, 3, 10, 10)) == 8 * 10 * 10 * 3 * 3 * 3
    up = torch.nn.ConvTranspose2d(4, 2, 4, stride=2, padding=1)
    assert count_macs(up, torch.zeros(1, 4, 5, 5)) == 4 * 5 * 5 * 2 * 4 * 4
    assert count_macs(torch.nn.Linear(7, 3), torch.zeros(2, 7)) == 2 * 3 * 7


# ----------------------------------------------------------------------------- issue 25 §4: bounded sizes
PLANNED = [
    ("MLPDenoiser", {}),
    ("MLPDenoiser", {"data_dim": 1, "hidden": 64, "num_layers": 2, "time_input": "scalar"}),
    ("MLPDenoiser", {"num_layers": 0, "time_input": "none"}),
    ("ResidualUNet", {}),
    ("ResidualUNet", {"base_channels": 16, "num_classes": 10}),
    ("ResidualUNet", {"in_channels": 3, "channel_mults": (1, 2, 4, 4), "num_res_blocks": 2, "attention": False}),
    ("ResidualUNet", {"channel_mults": (1,), "num_res_blocks": 3}),
    ("DiffusionUNet", {}),
    ("DiffusionUNet", {"channel_sequence": (8, 16, 32), "label_conditioning": True}),
    ("DiagramWiredUNet", {"channel_sequence": (16, 32, 64, 128)}),
    ("DiagramWiredUNet", {"channel_sequence": (16, 32, 64), "stem_skip": False, "img_channels": 1, "time_dim": 32}),
]


@pytest.mark.parametrize(("kind", "config"), PLANNED)
def test_planned_parameters_equal_the_built_count(kind, config):
    from ddpm_lessons.models import MODELS, planned_parameters

    assert planned_parameters(kind, config) == count_parameters(MODELS[kind](**config))


@pytest.mark.parametrize(
    "args", [(3, 8, 32), (4, 6, 16, True, 5, False), (8, 16, 32, False, 3, True)], ids=["down", "up", "plain"]
)
def test_a_stages_planned_parameters_equal_its_built_count(args):
    assert UNetStage.planned_parameters(*args) == count_parameters(UNetStage(*args))


HUGE = [
    (lambda: MLPDenoiser(num_layers=10**7), "num_layers", "MAX_LAYERS"),  # > 90 s in the old size guard
    (lambda: MLPDenoiser(hidden=10**6), "hidden", "MAX_WIDTH"),
    (lambda: MLPDenoiser(data_dim=10**9), "data_dim", "MAX_WIDTH"),
    (lambda: MLPDenoiser(num_timesteps=10**9), "num_timesteps", "MAX_T"),
    (lambda: MLPDenoiser(hidden=16_384, num_layers=1_024), "hidden", "MAX_PARAMETERS"),  # each within its ceiling
    (lambda: ResidualUNet(base_channels=10**6), "base_channels", "MAX_WIDTH"),
    (lambda: ResidualUNet(base_channels=8_192, channel_mults=(1, 4)), "base_channels", "MAX_WIDTH"),
    (lambda: ResidualUNet(num_res_blocks=10**6), "num_res_blocks", "MAX_LAYERS"),
    (lambda: ResidualUNet(channel_mults=(1,) * 13), "channel_mults", "MAX_LEVELS"),
    (lambda: ResidualUNet(num_classes=10**9), "num_classes", "MAX_CLASSES"),
    (lambda: ResidualUNet(base_channels=2_048, channel_mults=(1, 2, 4, 8)), "base_channels", "MAX_PARAMETERS"),
    (lambda: UNetStage(10**6, 8, 32), "in_ch", "MAX_WIDTH"),
    (lambda: UNetStage(8, 10**6, 32), "out_ch", "MAX_WIDTH"),
    (lambda: UNetStage(8, 8, 10**9), "time_dim", "MAX_WIDTH"),
    (lambda: UNetStage(8, 8, 32, kernel_size=10**4), "kernel_size", "MAX_KERNEL_SIZE"),
    (lambda: UNetStage(16_384, 16_384, 32), "out_ch", "MAX_PARAMETERS"),
    (lambda: DiffusionUNet(time_dim=10**8), "time_dim", "MAX_WIDTH"),
    (lambda: DiffusionUNet(img_channels=10**6), "img_channels", "MAX_WIDTH"),
    (lambda: DiffusionUNet(channel_sequence=(10**6, 10**6)), "channel_sequence", "MAX_WIDTH"),
    (lambda: DiffusionUNet(channel_sequence=(4,) * 13), "channel_sequence", "MAX_LEVELS"),
    (lambda: DiffusionUNet(channel_sequence=(64, 8_192, 16_384)), "channel_sequence", "MAX_PARAMETERS"),
    (lambda: DiagramWiredUNet(channel_sequence=(10**6, 10**6)), "channel_sequence", "MAX_WIDTH"),
]


@pytest.mark.parametrize(("build", "name", "ceiling"), HUGE, ids=[f"{h[1]}-{h[2]}" for h in HUGE])
def test_a_network_above_a_ceiling_is_refused_by_name_before_any_layer_is_built(build, name, ceiling, monkeypatch):
    import time

    from ddpm_lessons.validation import InputError

    monkeypatch.setattr(torch.nn.Conv2d, "__init__", lambda *a, **k: pytest.fail("a layer was built"))
    monkeypatch.setattr(torch.nn.Linear, "__init__", lambda *a, **k: pytest.fail("a layer was built"))
    started = time.perf_counter()
    with pytest.raises(InputError, match=ceiling) as info:
        build()
    assert info.value.parameter == name and name in str(info.value)
    assert time.perf_counter() - started < 1


def test_a_file_config_is_checked_by_planned_parameters_without_building(monkeypatch):
    from ddpm_lessons.models import planned_parameters
    from ddpm_lessons.validation import InputError

    monkeypatch.setattr(torch.nn.Linear, "__init__", lambda *a, **k: pytest.fail("a layer was built"))
    with pytest.raises(InputError, match="num_layers must be an integer <= 1,024"):
        planned_parameters("MLPDenoiser", {"num_layers": 10**7})
    with pytest.raises(InputError, match="config is not a set of MLPDenoiser arguments"):
        planned_parameters("MLPDenoiser", {"layers": 3})
    with pytest.raises(InputError, match="model kind must be one of"):
        planned_parameters("Evil", {})
    with pytest.raises(InputError, match="stem_skip must be True or False"):
        planned_parameters("DiagramWiredUNet", {"stem_skip": "yes"})


def test_a_requested_sample_shape_is_bounded_for_any_model():
    import time

    from ddpm_lessons import DiffusionSchedule
    from ddpm_lessons.sampling import sample
    from ddpm_lessons.validation import InputError

    schedule, mlp = DiffusionSchedule.linear(10), MLPDenoiser(num_timesteps=10).eval()

    class Zero(torch.nn.Module):  # not one of the package's networks: the shape's sizes are still checked
        def __init__(self):
            super().__init__()
            self.scale = torch.nn.Parameter(torch.zeros(()))

        def forward(self, x, t):
            return self.scale * x

    eps = Zero().eval()

    for model in (mlp, eps):
        for shape, words in (
            ((10**9, 2), "asks for 1,000,000,000 examples; the ceiling is 1,000,000"),
            ((10, 10**8), "MAX_EXAMPLE_VALUES"),
            ((900_000, 1000), "values at once; the ceiling is 268,435,456"),
            ((-1, 2), "integer sizes >= 1"),
            ((4, 2.5), "integer sizes >= 1"),
        ):
            started = time.perf_counter()
            with pytest.raises(InputError, match=words) as info:
                sample(model, schedule, shape, progress=False)
            assert info.value.parameter == "shape" and time.perf_counter() - started < 1


def test_a_checkpoints_data_shape_must_fit_its_model():
    from ddpm_lessons.models import check_data_shape
    from ddpm_lessons.validation import InputError

    assert check_data_shape([2], MLPDenoiser()) == (2,)
    assert check_data_shape([3, 32, 32], DiffusionUNet(channel_sequence=(4, 8))) == (3, 32, 32)
    for shape, model, words in (
        ([3], MLPDenoiser(), r"expects \(N, 2\)"),
        ([1, 32, 32], DiffusionUNet(channel_sequence=(4, 8)), "C = 3"),
        ([3, 33, 33], DiffusionUNet(channel_sequence=(4, 8)), "not divisible"),
        ([10**9], MLPDenoiser(), "MAX_EXAMPLE_VALUES"),
        ("2", MLPDenoiser(), "must be a list of sizes"),
    ):
        with pytest.raises(InputError, match=words) as info:
            check_data_shape(shape, model)
        assert info.value.parameter == "data_shape"
