"""Trains a DDPM epsilon-predictor eps(x_t, t) on the 2-D checkerboard in plain PyTorch (CPU) and saves it with
torch.jit.trace + torch.jit.save, for GenNeg to take through Gen-neG with

    model: { formalism: ddpm, backbone: torchscript, torchscript: checkerboard_eps.pt, torchscript_contract: ddpm_epsilon }

The schedule is Ho et al.'s (linear betas from 1e-4 to 0.02 over T = 1000 steps, GenNeg's model.beta_start,
model.beta_end and model.timesteps defaults); t is the step index 0..T-1 as int64, and x_t the noised point in the data's
own units (the board is [-4, 4)^2; GenNeg's checkerboard has no feature scaling). Needs torch (1.13 or later) only.

    python3 train_checkerboard_ddpm.py --steps 8000 --out checkerboard_eps.pt
"""
import argparse
import math

import torch


def checkerboard(n, generator):
    """Points uniform on the filled cells of the 4x4 board of side-2 cells on [-4, 4)^2 (floor(x/2) + floor(y/2) even)."""
    cell = torch.randint(0, 8, (n,), generator=generator)
    row = cell // 2
    column = 2 * (cell % 2) + row % 2  # every other cell of each row, shifted on odd rows
    corner = torch.stack([column, row], 1).float() * 2 - 4
    return corner + 2 * torch.rand(n, 2, generator=generator)


class ResidualMlp(torch.nn.Module):
    """F(x, label): a residual MLP on x and a sinusoidal embedding of the label (here the step index: eps(x_t, t))."""

    def __init__(self, hidden=256, blocks=2, embedding=128):
        super().__init__()
        self.embedding = embedding
        self.input = torch.nn.Linear(2 + embedding, hidden)
        self.blocks = torch.nn.ModuleList(
            torch.nn.Sequential(torch.nn.SiLU(), torch.nn.Linear(hidden, hidden), torch.nn.SiLU(), torch.nn.Linear(hidden, hidden))
            for _ in range(blocks))
        self.output = torch.nn.Sequential(torch.nn.SiLU(), torch.nn.Linear(hidden, 2))

    def forward(self, x, label):
        half = self.embedding // 2
        frequencies = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32) / half)
        angles = label.float().unsqueeze(1) * frequencies.unsqueeze(0)
        h = self.input(torch.cat([x, torch.sin(angles), torch.cos(angles)], 1))
        for block in self.blocks:
            h = h + block(h)
        return self.output(h)


def optimise(model, batch_loss, steps, learning_rate):
    """Adam on batch_loss() for the given steps; the last 30 % of them anneal the learning rate linearly to zero."""
    optimiser = torch.optim.Adam(model.parameters(), lr=learning_rate)
    decay_start = 0.7 * steps
    for step in range(1, steps + 1):
        scale = 1.0 if step <= decay_start else max(0.0, (steps - step) / (steps - decay_start))
        for group in optimiser.param_groups:
            group["lr"] = learning_rate * scale
        loss = batch_loss()
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        if step % max(1, steps // 10) == 0 or step == steps:
            print(f"step {step}/{steps}: loss {loss.item():.4f}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=8000, help="optimisation steps (a tiny number only checks the script)")
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--timesteps", type=int, default=1000, help="T; GenNeg's model.timesteps must match")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="checkerboard_eps.pt")
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    generator = torch.Generator().manual_seed(args.seed)
    betas = torch.linspace(1e-4, 0.02, args.timesteps, dtype=torch.float64)
    alpha_bars = torch.cumprod(1 - betas, 0).float()
    train = checkerboard(1000, generator)  # GenNeg's data.train_size default

    model = ResidualMlp()

    def batch_loss():
        x0 = train[torch.randint(0, len(train), (args.batch_size,), generator=generator)]
        t = torch.randint(0, args.timesteps, (args.batch_size,), generator=generator)
        noise = torch.randn(x0.shape, generator=generator)
        abar = alpha_bars[t].unsqueeze(1)
        x_t = abar.sqrt() * x0 + (1 - abar).sqrt() * noise
        return (model(x_t, t) - noise).square().mean()  # Ho et al.'s L_simple

    optimise(model, batch_loss, args.steps, args.learning_rate)
    model.eval()
    traced = torch.jit.trace(model, (torch.zeros(4, 2), torch.zeros(4, dtype=torch.long)))
    torch.jit.save(traced, args.out)
    print(f"saved {args.out}: eps(x_t [B, 2] float32, t [B] int64 in 0..{args.timesteps - 1}) -> [B, 2]")


if __name__ == "__main__":
    main()
