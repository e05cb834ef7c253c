"""A traffic oracle in Python: per vehicle, collision (its oriented box overlaps another's) and offroad (a corner or
edge midpoint outside the drivable area), read from the maps GeoJSON that `genneg data export` writes (maps.geojson).

Serve GenNeg (scenes arrive in metres: x, y, length, width, cos h, sin h, speed; "map_index" names each scene's map):

    oracle: external
    external_oracle: { command: [python3, samples/PythonOracle/traffic_oracle.py, --maps, maps.geojson] }

Or compare with the verdicts of an exported scenes.csv (the built-in oracle's), vehicle by vehicle:

    python3 traffic_oracle.py --maps export/maps.geojson --compare export/scenes.csv

Unlike the built-in oracle, which looks the points up in a fine raster of the area, this one tests the exact
polygons, so the two may differ for points within a pixel of the road's edge.
"""
import argparse
import csv
import json
import sys

import numpy as np

from genneg_oracle import serve

X, Y, LENGTH, WIDTH, COS, SIN, SPEED = range(7)
MINIMUM_DIMENSION = 0.1      # metres: thinner boxes count as this thin
COLLISION_TOLERANCE = 1e-3   # metres of overlap below which boxes only touch
# The 4 corners, then the 4 edge midpoints, in half-lengths forward and half-widths left of the centre.
PROBES = np.array([(1, 1), (-1, 1), (-1, -1), (1, -1), (1, 0), (0, 1), (-1, 0), (0, -1)], dtype=np.float64)


def read_maps(path):
    """{map index: edges [M, 4] (x1, y1, x2, y2) of every ring of its drivable area}."""
    with open(path, encoding="utf-8") as file:
        collection = json.load(file)
    maps = {}
    for feature in collection["features"]:
        geometry = feature["geometry"]
        polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        edges = []
        for polygon in polygons:
            for ring in polygon:
                ring = np.asarray(ring, dtype=np.float64)[:, :2]
                edges.append(np.concatenate([ring[:-1], ring[1:]], axis=1))
        maps[int(feature["properties"]["map"])] = np.concatenate(edges) if edges else np.zeros((0, 4))
    return maps


def inside(px, py, edges, chunk=4096):
    """Even-odd rule over every ring: true where the point (px, py) [P] lies inside the area."""
    result = np.zeros(px.shape, dtype=bool)
    x1, y1, x2, y2 = (edges[:, k][None, :] for k in range(4))
    for start in range(0, len(px), chunk):
        x, y = px[start:start + chunk, None], py[start:start + chunk, None]
        straddles = (y1 > y) != (y2 > y)
        with np.errstate(divide="ignore", invalid="ignore"):
            crossing_x = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
        crossings = np.count_nonzero(straddles & (x < crossing_x), axis=1)
        result[start:start + chunk] = crossings % 2 == 1
    return result


def boxes(scenes):
    """Centres, half sizes and unit headings of scenes [B, A, 7] as the built-in oracle reads them."""
    finite = np.all(np.isfinite(scenes), axis=-1)
    clean = np.nan_to_num(scenes.astype(np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    half_length = np.maximum(clean[..., LENGTH], MINIMUM_DIMENSION) / 2
    half_width = np.maximum(clean[..., WIDTH], MINIMUM_DIMENSION) / 2
    c, s = clean[..., COS], clean[..., SIN]
    norm = np.sqrt(c * c + s * s)
    degenerate = norm < 1e-6
    safe = np.maximum(norm, 1e-6)
    return finite, clean[..., X], clean[..., Y], half_length, half_width, np.where(degenerate, 1.0, c / safe), np.where(degenerate, 0.0, s / safe)


def colliding(scenes, present):
    """[B, A] true where the vehicle's box overlaps another present vehicle's by more than the tolerance (separating axes)."""
    finite, x, y, a, b, c, s = boxes(scenes)
    counted = present & finite
    ci, si, ai, bi = c[:, :, None], s[:, :, None], a[:, :, None], b[:, :, None]
    cj, sj, aj, bj = c[:, None, :], s[:, None, :], a[:, None, :], b[:, None, :]
    dx, dy = x[:, None, :] - x[:, :, None], y[:, None, :] - y[:, :, None]
    cos_diff, sin_diff = np.abs(ci * cj + si * sj), np.abs(si * cj - ci * sj)
    m1 = ai + aj * cos_diff + bj * sin_diff - np.abs(dx * ci + dy * si)
    m2 = bi + aj * sin_diff + bj * cos_diff - np.abs(dy * ci - dx * si)
    m3 = aj + ai * cos_diff + bi * sin_diff - np.abs(dx * cj + dy * sj)
    m4 = bj + ai * sin_diff + bi * cos_diff - np.abs(dy * cj - dx * sj)
    depth = np.minimum(np.minimum(m1, m2), np.minimum(m3, m4))
    agents = scenes.shape[1]
    pairs = counted[:, :, None] & counted[:, None, :] & ~np.eye(agents, dtype=bool)[None]
    return np.any((depth > COLLISION_TOLERANCE) & pairs, axis=2)


def offroad(scenes, map_index, maps, present):
    """[B, A] true where a probe point of the vehicle lies off the drivable area (or a feature is not finite)."""
    finite, x, y, a, b, c, s = boxes(scenes)
    along, across = PROBES[:, 0] * a[..., None], PROBES[:, 1] * b[..., None]
    px = x[..., None] + along * c[..., None] - across * s[..., None]
    py = y[..., None] + along * s[..., None] + across * c[..., None]
    on_road = np.zeros(px.shape, dtype=bool)
    for index in np.unique(map_index):
        if int(index) not in maps:
            raise ValueError(f"map_index {int(index)} is not a map of the GeoJSON file")
        scenes_on_map = map_index == index
        points = (px[scenes_on_map].ravel(), py[scenes_on_map].ravel())
        on_road[scenes_on_map] = inside(*points, maps[int(index)]).reshape(px[scenes_on_map].shape)
    return ~(np.all(on_road, axis=-1) & finite) & present


def verdict(scenes, map_index, maps, present):
    collision = colliding(scenes, present)
    off = offroad(scenes, map_index, maps, present)
    return {"valid": ~(collision | off), "collision": collision, "offroad": off}


def judge_request(maps):
    def judge(request):
        scenes = request["samples"]
        present = request.get("agent_mask", request.get("element_mask", np.ones(scenes.shape[:2], dtype=bool))).astype(bool)
        return verdict(scenes, request["map_index"].astype(np.int64), maps, present)
    return judge


def compare(maps, scenes_csv):
    """Agreement with the verdicts written in scenes.csv, per vehicle and per scene."""
    with open(scenes_csv, newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    order = sorted({(r["split"], int(r["scene"])) for r in rows})
    number = {key: i for i, key in enumerate(order)}
    agents = max(int(r["agent"]) for r in rows) + 1
    scenes = np.zeros((len(order), agents, 7), dtype=np.float32)
    map_index = np.zeros(len(order), dtype=np.int64)
    theirs = np.zeros((len(order), agents, 2), dtype=bool)
    for r in rows:
        i, k = number[(r["split"], int(r["scene"]))], int(r["agent"])
        heading = float(r["heading"])
        scenes[i, k] = [float(r["x"]), float(r["y"]), float(r["length"]), float(r["width"]), np.cos(heading), np.sin(heading), float(r["speed"])]
        map_index[i] = int(r["map"])
        theirs[i, k] = [r["collision"] == "1", r["offroad"] == "1"]
    ours = verdict(scenes, map_index, maps, np.ones(scenes.shape[:2], dtype=bool))
    vehicles = scenes.shape[0] * agents
    print(f"{len(order)} scenes, {vehicles} vehicles")
    for k, reason in enumerate(["collision", "offroad"]):
        agree = ours[reason] == theirs[..., k]
        print(f"{reason}: agree on {agree.mean():.2%} of vehicles ({int((~agree).sum())} differ); "
              f"rate here {ours[reason].mean():.2%}, in the file {theirs[..., k].mean():.2%}")
    scene_agree = np.all(ours["valid"], axis=1) == ~np.any(theirs, axis=(1, 2))
    print(f"scene valid: agree on {scene_agree.mean():.2%} of scenes")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--maps", required=True, help="the maps GeoJSON (maps.geojson of genneg data export)")
    parser.add_argument("--compare", help="a scenes.csv to compare with instead of serving GenNeg")
    arguments = parser.parse_args()
    maps = read_maps(arguments.maps)
    if arguments.compare:
        compare(maps, arguments.compare)
    else:
        serve(judge_request(maps))


if __name__ == "__main__":
    sys.exit(main())
