"""Rebuild a model exported by `genneg export` in PyTorch, sample from it, and check the samples.

    python3 genneg_torch.py EXPORT_DIR [-n 10000] [--steps 50] [--seed 0]
        samples with a deterministic sampler (EDM: Heun on the model's log-linear noise levels; DDPM: DDIM with eta 0)
        and, for the checkerboard, prints the infraction rate.
    python3 genneg_torch.py EXPORT_DIR --denoise INPUT.npy OUTPUT.npy
        INPUT holds rows [x..., sigma] (float32); OUTPUT gets D(x; sigma), guidance included for a stacked stage.

Needs torch (1.13 or newer) and numpy (for .npy files only); safetensors files are parsed here directly.
"""
import argparse
import json
import math
import os
import struct
import sys

import torch
from torch import nn
from torch.nn import functional

DTYPES = {"F32": torch.float32, "F64": torch.float64, "F16": torch.float16, "BF16": torch.bfloat16,
          "I64": torch.int64, "I32": torch.int32, "U8": torch.uint8, "BOOL": torch.bool}


def load_safetensors(path):
    """name -> tensor: an 8-byte little-endian header length, a JSON header, then the raw little-endian data."""
    with open(path, "rb") as f:
        data = f.read()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length])
    body = bytearray(data[8 + length:])
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        dtype = DTYPES[entry["dtype"]]
        flat = torch.frombuffer(body, dtype=dtype, offset=begin, count=(end - begin) // torch.tensor([], dtype=dtype).element_size()) \
            if end > begin else torch.empty(0, dtype=dtype)
        tensors[name] = flat.reshape(entry["shape"]).clone()
    return tensors


class ResidualBlock(nn.Module):
    # Attribute names are GenNeg's field names, so the exported state_dict loads as it is.
    def __init__(self, hidden):
        super().__init__()
        self.first = nn.Linear(hidden, hidden)
        self.timeProjection = nn.Linear(hidden, hidden)
        self.second = nn.Linear(hidden, hidden)

    def forward(self, hidden, time):
        inner = functional.silu(self.first(functional.silu(hidden)) + self.timeProjection(time))
        return hidden + self.second(inner)


class ResidualMlp(nn.Module):
    """GenNeg's mlp backbone F(x, noise label): input projection, residual blocks with a sinusoidal noise embedding."""

    def __init__(self, d):
        super().__init__()
        if d["condition_names"]:
            raise SystemExit("this script rebuilds unconditional models only; the export has conditions " + ", ".join(d["condition_names"]))
        self.d = d
        self.inputProjection = nn.Linear(d["input_width"], d["hidden"])
        self.timeHidden = nn.Linear(d["time_embedding"], d["hidden"])
        self.timeOutput = nn.Linear(d["hidden"], d["hidden"])
        self.blocks = nn.ModuleList([ResidualBlock(d["hidden"]) for _ in range(d["blocks"])])
        self.outputProjection = nn.Linear(d["hidden"], d["output_width"])

    def embed(self, labels):
        half = self.d["time_embedding"] // 2
        frequencies = torch.exp(torch.arange(half, dtype=labels.dtype) * (-math.log(self.d["embedding_max_period"]) / half))
        angles = (labels * self.d["noise_label_scale"]).unsqueeze(1) * frequencies.unsqueeze(0)
        return torch.cat([torch.cos(angles), torch.sin(angles)], 1)

    def forward(self, x, noise_label):
        time = functional.silu(self.timeOutput(functional.silu(self.timeHidden(self.embed(noise_label)))))
        hidden = self.inputProjection(x.flatten(1))
        for block in self.blocks:
            hidden = block(hidden, time)
        out = self.outputProjection(functional.silu(hidden))
        shape = self.d["output_shape"]
        return out.reshape([out.shape[0]] + shape) if shape is not None else out


BACKBONES = {"mlp": ResidualMlp}


class Wrapped(nn.Module):
    """What GenNeg saves: the backbone under the field name 'network' (so tensor names start with 'network.')."""

    def __init__(self, network):
        super().__init__()
        self.network = network


def load_network(folder, entry):
    backbone = entry["backbone"]
    if backbone["name"] not in BACKBONES:
        raise SystemExit(f"this script does not rebuild the '{backbone['name']}' backbone")
    module = Wrapped(BACKBONES[backbone["name"]](backbone))
    module.load_state_dict(load_safetensors(os.path.join(folder, entry["file"])), strict=True)
    return module.network.eval()


class Preconditioning:
    """c_skip, c_out, c_in, c_noise of GenNeg's formalisms (Karras et al. 2022, Table 1), computed as GenNeg does."""

    def __init__(self, f):
        self.f = f
        if f["name"] == "ddpm":
            T = f["timesteps"]
            if f["schedule"] == "linear":
                betas = [0.0] + [f["beta_start"] if T == 1 else f["beta_start"] + (f["beta_end"] - f["beta_start"]) * (t - 1) / (T - 1) for t in range(1, T + 1)]
            else:
                F = lambda t: math.cos(((t / T) + 0.008) / 1.008 * math.pi / 2) ** 2
                betas = [0.0] + [min(1 - F(t) / F(t - 1), 0.999) for t in range(1, T + 1)]
            abar = [1.0]
            for t in range(1, T + 1):
                abar.append(abar[-1] * (1 - betas[t]))
            self.sigmas = [math.sqrt((1 - a) / a) for a in abar]  # index t; sigma_0 = 0
            self.log_table = torch.tensor([math.log(s) for s in self.sigmas[1:]], dtype=torch.float64)

    def coefficients(self, sigma):
        f = self.f
        if f["name"] == "edm":
            sd2 = f["sigma_data"] ** 2
            return sd2 / (sigma.square() + sd2), sigma * f["sigma_data"] / (sigma.square() + sd2).sqrt(), (sigma.square() + sd2).rsqrt(), sigma.log() / 4
        c_in = (sigma.square() + 1).rsqrt()
        c_noise = self.timestep_of(sigma) / f["timesteps"]
        if f["prediction"] == "x0":
            return torch.zeros_like(sigma), torch.ones_like(sigma), c_in, c_noise
        return torch.ones_like(sigma), -sigma, c_in, c_noise

    def timestep_of(self, sigma):
        """The continuous step t of a noise level: linear in ln(sigma) between the schedule's levels."""
        T = self.f["timesteps"]
        log_sigma = sigma.double().log()
        upper = (self.log_table < log_sigma.unsqueeze(-1)).sum(-1).clamp(1, max(1, T - 1))
        low, high = self.log_table[upper - 1], self.log_table[upper]
        return (upper.double() + (log_sigma - low) / (high - low)).to(sigma.dtype)


def per_sample(c, x):
    return c.reshape([-1] + [1] * (x.dim() - 1))


class Model:
    """D(x; sigma), with the stage's classifier guidance when it has a stack."""

    def __init__(self, folder):
        with open(os.path.join(folder, "model.json")) as f:
            self.description = json.load(f)
        d = self.description
        if d.get("format") != "genneg-export":
            raise SystemExit(f"{folder}/model.json is not a GenNeg export")
        self.pre = Preconditioning(d["formalism"])
        entries = d["networks"]
        self.denoiser = load_network(folder, entries[0])
        self.classifiers = [(load_network(folder, e), e) for e in entries[1:]]
        self.guidance = d["guidance"]

    def denoise_plain(self, x, sigma):
        skip, out, c_in, c_noise = self.pre.coefficients(sigma)
        return per_sample(skip, x) * x + per_sample(out, x) * self.denoiser(per_sample(c_in, x) * x, c_noise)

    def logit(self, network, entry, x, sigma):
        if entry["time_independent"]:
            x = self.denoise_plain(x, sigma)
            sigma = torch.full([x.shape[0]], self.description["formalism"]["clean_sigma"], dtype=x.dtype)
        _, _, c_in, c_noise = self.pre.coefficients(sigma)
        return network(per_sample(c_in, x) * x, c_noise)

    def denoise(self, x, sigma):
        with torch.no_grad():
            denoised = self.denoise_plain(x, sigma)
        if not self.classifiers or self.guidance["scale"] == 0:
            return denoised
        limit = self.guidance["max_sigma"]
        rows = torch.ones_like(sigma, dtype=torch.bool) if limit is None else sigma <= limit
        if not rows.any():
            return denoised
        with torch.enable_grad():
            xg = x[rows].detach().requires_grad_(True)
            total = sum(functional.logsigmoid(self.logit(n, e, xg, sigma[rows])).sum() for n, e in self.classifiers)
            (gradient,) = torch.autograd.grad(total, [xg])
        guided = denoised.clone()
        guided[rows] = denoised[rows] + self.guidance["scale"] * per_sample(sigma[rows].square(), gradient) * gradient
        return guided


def sample(model, n, steps, generator):
    f = model.description["formalism"]
    shape = [n] + model.description["data"]["sample_shape"]
    if f["name"] == "edm":
        # Log-linear levels from sigma_max to sigma_min, then 0: GenNeg's Heun schedule, without churn.
        lo, hi = math.log(f["sigma_min"]), math.log(f["sigma_max"])
        levels = [math.exp(hi + (i / max(1, steps - 1)) * (lo - hi)) for i in range(steps)] + [0.0]
        heun = True
    else:
        # DDIM with eta 0 on x = x_t / sqrt(abar_t): steps evenly spaced among the T, then t = 0.
        T = f["timesteps"]
        visited = sorted({max(1, round(k * T / steps)) for k in range(1, steps + 1)}, reverse=True)
        levels = [model.pre.sigmas[t] for t in visited] + [0.0]
        heun = False
    x = torch.randn(shape, generator=generator) * math.sqrt(levels[0] ** 2 + (1 if f["name"] == "ddpm" else 0))
    for sigma, following in zip(levels[:-1], levels[1:]):
        s = torch.full([n], sigma)
        d = (x - model.denoise(x, s)) / sigma
        moved = x + (following - sigma) * d
        if heun and following > 0:
            d2 = (moved - model.denoise(moved, torch.full([n], following))) / following
            moved = x + (following - sigma) * (d + d2) / 2
        x = moved
    return x


def checkerboard_valid(points):
    """GenNeg's checkerboard rule: on the board [-4, 4)^2 and in a filled cell (floor(x/2) + floor(y/2) even)."""
    on_board = ((points >= -4) & (points < 4)).all(1)
    cells = torch.floor(points / 2).long()
    return on_board & ((cells[:, 0] + cells[:, 1]).remainder(2) == 0)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", help="folder written by genneg export")
    parser.add_argument("-n", type=int, default=10000, help="samples to draw")
    parser.add_argument("--steps", type=int, default=None, help="sampler steps (default: the model's sampler.steps)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--denoise", nargs=2, metavar=("INPUT.npy", "OUTPUT.npy"), help="write D(x; sigma) for rows [x..., sigma]")
    args = parser.parse_args()
    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    model = Model(args.folder)
    if args.denoise:
        import numpy
        rows = torch.from_numpy(numpy.load(args.denoise[0]).astype(numpy.float32))
        x = rows[:, :-1].reshape([rows.shape[0]] + model.description["data"]["sample_shape"])
        numpy.save(args.denoise[1], model.denoise(x, rows[:, -1].contiguous()).detach().reshape(rows.shape[0], -1).numpy())
        return
    steps = args.steps or model.description["sampler"]["steps"]
    samples = sample(model, args.n, steps, torch.Generator().manual_seed(args.seed))
    name = model.description["data"]["name"]
    if name == "checkerboard":
        print(f"{args.n} samples from '{model.description['stage']}' ({steps} steps): infraction rate {1 - checkerboard_valid(samples).float().mean().item():.3%}")
    else:
        print(f"{args.n} samples drawn; this script checks checkerboard samples only, not {name}", file=sys.stderr)


if __name__ == "__main__":
    main()
