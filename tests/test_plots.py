"""Offline data: the seed's photo, toy distributions, the 1-D mixture's density; metrics and plots."""

import matplotlib
import torch

matplotlib.use("Agg")


def test_seed_plot_functions_return_figures():
    from ddpm_lessons.plots import image_grid, plot_generation_process, plot_noise_distribution, plot_noise_prediction

    noise, pred = torch.randn(3, 8, 8), torch.randn(3, 8, 8)
    for fig in (
        plot_noise_distribution(noise, pred),
        plot_noise_prediction(noise, pred),
        plot_generation_process([(0, noise), (1000, pred)]),
        image_grid(torch.randn(5, 1, 8, 8), nrow=5),
    ):
        assert fig.axes
        matplotlib.pyplot.close(fig)
