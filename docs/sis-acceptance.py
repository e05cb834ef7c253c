"""Drawing time and infraction rate against iteration for standard drawing and SIS (README, "Drawing by sequential
importance sampling"). Usage: /usr/bin/python3 docs/sis-acceptance.py STANDARD_RUN SIS_RUN OUT.png
Reads each run's manifest.json (the newest classifier of each genneg-K stage) and metrics.json, prints the table."""
import json
import sys

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt


def rows(run):
    manifest = json.load(open(f"{run}/manifest.json"))
    metrics = json.load(open(f"{run}/metrics.json"))
    for stage in manifest["stages"]:
        if not stage["name"].startswith("genneg-") or stage["name"] not in metrics:
            continue
        c = stage["classifiers"][-1]
        m = metrics[stage["name"]]
        sis = c.get("importance") or {}
        yield dict(k=len(stage["classifiers"]), stage=stage["name"], alpha=c["alpha"], drawn=c["drawn"],
                   kept=(c["train_positives"], c["train_negatives"]), draw_s=c["draw_seconds"],
                   ess=(sis.get("positive_ess"), sis.get("negative_ess")), rate=m["infraction_rate"], mmd=m["mmd"])


standard, sis, out = sys.argv[1:4]
fig, (time_axis, rate_axis) = plt.subplots(1, 2, figsize=(9, 3.6))
for label, run, marker in [("standard", standard, "o"), ("SIS (proposal: baseline)", sis, "s")]:
    table = list(rows(run))
    for r in table:
        ess = "" if r["ess"][0] is None else f"  ESS {r['ess'][0]:.0f} / {r['ess'][1]:.0f}"
        print(f"{label:26s} {r['stage']}  k={r['k']}  drawn {r['drawn']:,}  kept {r['kept'][0]:,} + {r['kept'][1]:,}  "
              f"draw {r['draw_s']:.0f} s  alpha {r['alpha']:.4f}{ess}  infractions {100 * r['rate']:.3f} %  MMD {r['mmd']:.5f}")
    iterations = [r["k"] for r in table]
    time_axis.plot(iterations, [r["draw_s"] for r in table], marker=marker, label=label)
    rate_axis.plot(iterations, [100 * r["rate"] for r in table], marker=marker, label=label)
time_axis.set(xlabel="iteration (classifiers in the stack)", ylabel="drawing time (s)", title="drawing time")
rate_axis.set(xlabel="iteration (classifiers in the stack)", ylabel="infraction rate (%)", title="infraction rate")
for axis in (time_axis, rate_axis):
    axis.xaxis.get_major_locator().set_params(integer=True)
    axis.grid(alpha=0.3)
time_axis.legend()
fig.tight_layout()
fig.savefig(out, dpi=110)
