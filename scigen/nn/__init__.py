"""Network building blocks shared by the domains: MLPs, DCGAN G/D, conv VAE encoder/decoder, weight averages,
the GANs' R1 penalty."""

from scigen.nn.average import averaged_copy, batch_statistics, ema_decay, recalibrate_batch_norm, update_average
from scigen.nn.conv import Down, Up, init_dcgan_weights, plan_resolution
from scigen.nn.dcgan import DCGANDiscriminator, DCGANGenerator, MinibatchStd
from scigen.nn.gan import r1_penalty
from scigen.nn.mlp import MLP, activation
from scigen.nn.vae import ConvDecoder, ConvEncoder, kl_divergence, reparameterize, slerp

__all__ = [
    "MLP", "activation", "Up", "Down", "plan_resolution", "init_dcgan_weights", "DCGANGenerator",
    "DCGANDiscriminator", "MinibatchStd", "ConvEncoder", "ConvDecoder", "reparameterize", "kl_divergence", "slerp",
    "averaged_copy", "batch_statistics", "ema_decay", "update_average", "recalibrate_batch_norm", "r1_penalty",
]
