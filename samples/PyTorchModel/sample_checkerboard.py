"""Samples a checkerboard TorchScript model in plain PyTorch (no GenNeg code) and prints its infraction rate under the
checkerboard rule of samples/PythonOracle/checkerboard_oracle.py, the rule of GenNeg's built-in oracle.

The samplers are the ones GenNeg's quick checkerboard configs use, so the rate is comparable with the one
`genneg evaluate` measured for the same file:
- ddpm_epsilon (configs/checkerboard-ddpm-quick.yaml): DDIM with eta = 1 (Song et al. 2021, Eq. 12) on 100 evenly
  spaced steps of Ho et al.'s linear schedule (betas 1e-4 .. 0.02, T = 1000); the file is eps(x_t, t) with t in 0..T-1.
- edm_denoiser (configs/checkerboard-quick.yaml): EDM's Heun sampler with churn 10 (Karras et al. 2022, Algorithm 2)
  on 50 log-linear noise levels from 80 to 0.002, then one Euler step to 0; the file is D(x, sigma).

    python3 sample_checkerboard.py runs/cb-torch/distilled-1/denoiser.pt --contract ddpm_epsilon --samples 20000
"""
import argparse
import math
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "PythonOracle"))
from checkerboard_oracle import judge  # noqa: E402


def sample_ddpm(eps, count, generator, steps=100, timesteps=1000, beta_start=1e-4, beta_end=0.02, eta=1.0):
    betas = torch.linspace(beta_start, beta_end, timesteps, dtype=torch.float64)
    alpha_bars = torch.cat([torch.ones(1, dtype=torch.float64), torch.cumprod(1 - betas, 0)])  # abar_0 = 1 .. abar_T
    visited = [round(k * timesteps / steps) for k in range(steps, 0, -1)] + [0]
    x = torch.randn(count, 2, generator=generator)
    for t, s in zip(visited[:-1], visited[1:]):
        abar_t, abar_s = alpha_bars[t].item(), alpha_bars[s].item()
        epsilon = eps(x, torch.full((count,), t - 1, dtype=torch.long))
        clean = (x - math.sqrt(1 - abar_t) * epsilon) / math.sqrt(abar_t)
        c = eta * math.sqrt((1 - abar_s) / (1 - abar_t) * (1 - abar_t / abar_s))
        x = math.sqrt(abar_s) * clean + math.sqrt(max(0.0, 1 - abar_s - c * c)) * epsilon
        if c > 0:
            x = x + c * torch.randn(x.shape, generator=generator)
    return x


def sample_edm(denoiser, count, generator, steps=50, sigma_max=80.0, sigma_min=0.002, churn=10.0):
    levels = [math.exp(math.log(sigma_max) + i / (steps - 1) * (math.log(sigma_min) - math.log(sigma_max))) for i in range(steps)] + [0.0]
    gamma = min(churn / steps, math.sqrt(2) - 1)

    def slope(x, sigma):
        return (x - denoiser(x, torch.full((count,), sigma))) / sigma

    x = torch.randn(count, 2, generator=generator) * levels[0]
    for current, following in zip(levels[:-1], levels[1:]):
        raised = current * (1 + gamma)
        x = x + math.sqrt(raised ** 2 - current ** 2) * torch.randn(x.shape, generator=generator)
        d = slope(x, raised)
        moved = x + (following - raised) * d
        if following > 0:
            moved = x + (following - raised) * 0.5 * (d + slope(moved, following))
        x = moved
    return x


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model", help="a TorchScript file: eps(x_t, t) or D(x, sigma)")
    parser.add_argument("--contract", choices=["ddpm_epsilon", "edm_denoiser"], required=True)
    parser.add_argument("--samples", type=int, default=20000, help="GenNeg's evaluate.samples in the quick configs")
    parser.add_argument("--batch-size", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    model = torch.jit.load(args.model, map_location="cpu").eval()
    generator = torch.Generator().manual_seed(args.seed)
    sampler = sample_ddpm if args.contract == "ddpm_epsilon" else sample_edm
    invalid = 0
    with torch.no_grad():
        for start in range(0, args.samples, args.batch_size):
            count = min(args.batch_size, args.samples - start)
            points = sampler(model, count, generator)
            invalid += int((~judge({"samples": points.numpy()})).sum())
    rate = invalid / args.samples
    standard_error = math.sqrt(rate * (1 - rate) / args.samples)
    print(f"infraction rate {100 * rate:.3f} % (standard error {100 * standard_error:.3f} %) over {args.samples} samples of {args.model}")


if __name__ == "__main__":
    main()
