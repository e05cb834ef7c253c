"""Trains an EDM denoiser D(x, sigma) on the 2-D checkerboard in plain PyTorch (CPU) and saves it with
torch.jit.trace + torch.jit.save, for GenNeg to take through Gen-neG with

    model: { formalism: edm, backbone: torchscript, torchscript: checkerboard_edm.pt, torchscript_contract: edm_denoiser }

The file is the whole denoiser, its preconditioning inside (Karras et al. 2022, Table 1): D(x; sigma) = c_skip x +
c_out F(c_in x, c_noise) with sigma_data = 1, c_noise = ln(sigma) / 4. Training draws sigma log-uniformly on
[0.002, 80], the noise levels the sampler visits (the Gen-neG paper's choice), and weights the squared error by
lambda(sigma) = 1 / c_out^2 (Eq. 8). x is the noised point in the data's own units (the board is [-4, 4)^2). Needs
torch (1.13 or later) only.

    python3 train_checkerboard_edm.py --steps 8000 --out checkerboard_edm.pt
"""
import argparse
import math

import torch

from train_checkerboard_ddpm import ResidualMlp, checkerboard, optimise


class EdmDenoiser(torch.nn.Module):
    """D(x, sigma): the residual MLP F on c_in x and a sinusoidal embedding of c_noise, inside EDM's preconditioning."""

    def __init__(self, sigma_data=1.0):
        super().__init__()
        self.sigma_data = sigma_data
        self.network = ResidualMlp()

    def forward(self, x, sigma):
        s = sigma.reshape(-1, 1)
        variance = s.square() + self.sigma_data ** 2
        c_skip = self.sigma_data ** 2 / variance
        c_out = s * self.sigma_data / variance.sqrt()
        c_in = 1 / variance.sqrt()
        # c_noise = ln(sigma) / 4 spans about [-1.6, 1.1]; the factor 1000 spreads it over the embedding's frequencies.
        return c_skip * x + c_out * self.network(c_in * x, 1000 * (sigma.log() / 4))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=8000, help="optimisation steps (a tiny number only checks the script)")
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="checkerboard_edm.pt")
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    generator = torch.Generator().manual_seed(args.seed)
    train = checkerboard(1000, generator)  # GenNeg's data.train_size default
    log_min, log_max = math.log(0.002), math.log(80.0)

    model = EdmDenoiser()

    def batch_loss():
        x0 = train[torch.randint(0, len(train), (args.batch_size,), generator=generator)]
        sigma = torch.exp(log_min + (log_max - log_min) * torch.rand(args.batch_size, generator=generator))
        noised = x0 + sigma.unsqueeze(1) * torch.randn(x0.shape, generator=generator)
        weight = (sigma.square() + model.sigma_data ** 2) / (sigma * model.sigma_data).square()
        return (weight.unsqueeze(1) * (model(noised, sigma) - x0).square()).mean()  # Eq. 8

    optimise(model, batch_loss, args.steps, args.learning_rate)
    model.eval()
    traced = torch.jit.trace(model, (torch.zeros(4, 2), torch.ones(4)))
    torch.jit.save(traced, args.out)
    print(f"saved {args.out}: D(x [B, 2] float32, sigma [B] float32) -> [B, 2]")


if __name__ == "__main__":
    main()
