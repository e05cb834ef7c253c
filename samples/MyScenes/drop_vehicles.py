"""Makes a set with a varying number of vehicles per scene from a scenes.csv: drops 0 to MAX_DROP random vehicles of
every scene (rows of other columns kept as they are), as real logs have. numpy and the standard library only.

    python3 drop_vehicles.py my-scenes/scenes.csv my-scenes-variable/scenes.csv --max-drop 8 --seed 0
"""
import argparse
import csv
import os
import shutil

import numpy as np


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenes", help="the scenes.csv to read")
    parser.add_argument("out", help="the scenes.csv to write (maps.geojson beside the input is copied beside it)")
    parser.add_argument("--max-drop", type=int, default=8, help="most vehicles dropped from one scene (default 8)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    with open(args.scenes, newline="") as f:
        reader = csv.DictReader(f)
        fields = reader.fieldnames
        rows = list(reader)
    scenes = {}
    for row in rows:
        scenes.setdefault((row["split"], row["scene"]), []).append(row)

    random = np.random.default_rng(args.seed)
    kept = []
    for vehicles in scenes.values():
        drop = min(int(random.integers(0, args.max_drop + 1)), len(vehicles) - 1)   # every scene keeps a vehicle
        dropped = set(random.choice(len(vehicles), size=drop, replace=False).tolist())
        kept.extend(v for i, v in enumerate(vehicles) if i not in dropped)

    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows(kept)
    maps = os.path.join(os.path.dirname(os.path.abspath(args.scenes)), "maps.geojson")
    target = os.path.join(os.path.dirname(os.path.abspath(args.out)), "maps.geojson")
    if os.path.exists(maps) and os.path.abspath(maps) != os.path.abspath(target):
        shutil.copyfile(maps, target)
    print(f"{len(scenes)} scenes: {len(rows)} vehicles read, {len(kept)} kept "
          f"({len(kept) / len(scenes):.2f} per scene on average)")


if __name__ == "__main__":
    main()
