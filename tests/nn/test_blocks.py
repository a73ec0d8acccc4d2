"""Network blocks: shapes for every supported size, periodicity of circular networks, conditioning."""

import pytest
import torch

from scigen.nn import DCGANDiscriminator, DCGANGenerator, ConvDecoder, ConvEncoder, Up, plan_resolution, slerp


@pytest.mark.parametrize("size,expected", [(64, (4, 4)), (256, (16, 4)), (32, (4, 3)), (40, (5, 3)), (28, (7, 2))])
def test_plan_resolution(size, expected):
    assert plan_resolution(size) == expected


@pytest.mark.parametrize("size,kernel", [(16, 4), (32, 5), (40, 4), (64, 5)])
def test_generator_and_discriminator_shapes(size, kernel):
    g = DCGANGenerator(size, 3, 16, width=8, kernel_size=kernel, n_classes=3, condition_dim=2)
    d = DCGANDiscriminator(size, 3, width=8, kernel_size=kernel, n_classes=3, condition_dim=2, minibatch_std=True)
    labels, cond = torch.tensor([0, 1, 2, 1]), torch.rand(4, 2)
    x = g(torch.randn(4, 16), labels=labels, condition=cond)
    assert x.shape == (4, 3, size, size) and x.abs().max() <= 1
    logit, classes = d(x, labels=labels, condition=cond)
    assert logit.shape == (4,) and classes.shape == (4, 3)
    mu, logvar = ConvEncoder(size, 3, 6, width=8)(x)
    assert mu.shape == logvar.shape == (4, 6)
    assert ConvDecoder(size, 3, 6, width=8)(mu).shape == (4, 3, size, size)


@pytest.mark.parametrize("kernel", [3, 4, 5])
@pytest.mark.parametrize("mode", ["transpose", "transpose_blur", "nearest"])
def test_circular_upsampling_is_periodic(kernel, mode):
    up = Up(2, 2, kernel_size=kernel, padding_mode="circular", mode=mode, norm=None, act=None)
    x = torch.randn(1, 2, 8, 8)
    shifted = up(torch.roll(x, shifts=(3, 5), dims=(2, 3)))
    assert torch.allclose(torch.roll(up(x), shifts=(6, 10), dims=(2, 3)), shifted, atol=1e-6)
    if mode == "transpose":  # away from the border it is the ordinary transposed convolution
        plain = torch.nn.functional.conv_transpose2d(x, up.conv.weight, up.conv.bias, stride=2, padding=up.pad,
                                                     output_padding=up.output_padding)
        assert torch.allclose(plain[..., 4:-4, 4:-4], up(x)[..., 4:-4, 4:-4], atol=1e-6)


def test_blurred_transposed_upsampling_has_no_checkerboard():
    """A stride-2 transposed convolution puts power at the output's Nyquist frequency (its
    checkerboard); the binomial low-pass after it leaves none there, on the torus exactly."""
    torch.manual_seed(0)
    x = torch.randn(4, 3, 16, 16)
    plain = Up(3, 2, kernel_size=5, padding_mode="circular", mode="transpose", norm=None, act=None)
    blurred = Up(3, 2, kernel_size=5, padding_mode="circular", mode="transpose_blur", norm=None, act=None)
    blurred.conv.load_state_dict(plain.conv.state_dict())

    def nyquist_fraction(y):  # power in the Nyquist row and column of each 32 x 32 output
        p = torch.fft.fft2(y.detach()).abs() ** 2
        return float((p[..., 16, :].sum() + p[..., :, 16].sum()) / p.sum())

    assert nyquist_fraction(plain(x)) > 0.01
    assert nyquist_fraction(blurred(x)) < 1e-10
    # the low-pass keeps the mean (the k = 0 mode) of every map
    assert torch.allclose(blurred(x).mean(dim=(2, 3)), plain(x).mean(dim=(2, 3)), atol=1e-6)


def test_circular_networks_commute_with_lattice_translations():
    torch.manual_seed(0)
    g = DCGANGenerator(16, 1, 8, width=8, padding_mode="circular").eval()
    d = DCGANDiscriminator(16, 1, width=8, padding_mode="circular").eval()
    x = g(torch.randn(2, 8))
    # a whole-lattice translation by the total stride leaves D's verdict unchanged
    assert torch.allclose(d(x), d(torch.roll(x, shifts=(4, 8), dims=(2, 3))), atol=1e-5)


def test_slerp_keeps_the_norm_of_orthogonal_unit_vectors():
    a, b = torch.tensor([1.0, 0.0]), torch.tensor([0.0, 1.0])
    path = slerp(a, b, torch.linspace(0, 1, 5))
    assert torch.allclose(path.norm(dim=1), torch.ones(5)) and torch.allclose(path[0], a) and torch.allclose(path[-1], b)


def test_weight_average_is_an_exponential_moving_average():
    """update_average: a <- d a + (1 - d) p for parameters and float buffers, integer buffers copied;
    of weights that oscillate about a centre it keeps the centre (what averaging a GAN buys)."""
    from scigen.nn import averaged_copy, ema_decay, update_average

    live = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.BatchNorm1d(2))
    avg = averaged_copy(live)
    assert all(not p.requires_grad for p in avg.parameters())
    centre = [p.detach().clone() for p in live.parameters()]
    before = [p.clone() for p in avg.parameters()]
    with torch.no_grad():
        for p in live.parameters():
            p.add_(1.0)
        live[1].running_mean.fill_(4.0)
        live[1].num_batches_tracked.fill_(7)
    update_average(avg, live, 0.75)
    for a, b, p in zip(avg.parameters(), before, live.parameters()):
        torch.testing.assert_close(a, 0.75 * b + 0.25 * p)
    torch.testing.assert_close(avg[1].running_mean, torch.full((2,), 1.0))  # 0.75 * 0 + 0.25 * 4
    assert int(avg[1].num_batches_tracked) == 7
    for step in range(2000):  # live weights jump between centre + 1 and centre - 1
        with torch.no_grad():
            for p, c in zip(live.parameters(), centre):
                p.copy_(c + (1.0 if step % 2 else -1.0))
        update_average(avg, live, ema_decay(0.99, step))
    for a, c in zip(avg.parameters(), centre):
        assert float((a - c).abs().max()) < 0.02  # the +-1 swings average out to within 1%
    assert ema_decay(0.999, 0) == pytest.approx(0.1) and ema_decay(0.999, 10**6) == 0.999


def test_batch_norm_recalibration_measures_the_network_it_is_given():
    """Standing statistics: the running mean/variance become the average of the batch statistics
    over the calibration passes (what the layer sees), whatever they held before; the network keeps
    its mode and momentum."""
    from scigen.nn import recalibrate_batch_norm

    net = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.BatchNorm1d(3)).eval()
    net[1].running_mean.fill_(100.0)  # stale statistics, as an average of weights leaves them
    inputs = [torch.randn(256, 4, generator=torch.Generator().manual_seed(i)) * 2 + 1 for i in range(8)]
    recalibrate_batch_norm(net, lambda i: inputs[i], batches=8)
    with torch.no_grad():
        hidden = [net[0](x) for x in inputs]
    torch.testing.assert_close(net[1].running_mean, torch.stack([h.mean(0) for h in hidden]).mean(0))
    torch.testing.assert_close(net[1].running_var, torch.stack([h.var(0) for h in hidden]).mean(0))
    assert not net.training and net[1].momentum == 0.1


def test_batch_statistics_normalises_each_batch_and_leaves_the_stored_statistics():
    """Inside ``batch_statistics`` an eval-mode network's batch norm standardises each batch by its
    own mean and variance (every output channel mean 0, variance 1 before the affine part), its
    running statistics, batch counter, momentum and the other layers' modes stay as they were."""
    from scigen.nn import batch_statistics

    net = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.BatchNorm1d(3), torch.nn.Dropout(0.5)).eval()
    norm = net[1]
    before = {k: v.clone() for k, v in norm.state_dict().items()}
    x = torch.randn(64, 4, generator=torch.Generator().manual_seed(0)) * 3 + 2
    with torch.no_grad(), batch_statistics(net):
        y = net(x)
        assert not net[2].training  # dropout stays off
    torch.testing.assert_close(y.mean(0), norm.bias, atol=1e-5, rtol=0)
    torch.testing.assert_close(y.var(0, unbiased=False), norm.weight ** 2, atol=1e-4, rtol=1e-3)
    for key, value in norm.state_dict().items():
        torch.testing.assert_close(value, before[key])
    assert not net.training and not norm.training and norm.momentum == 0.1
    with torch.no_grad():  # back in eval mode: the stored statistics again (these are not the batch's)
        assert not torch.allclose(net(x), y, atol=1e-3)
