using static TorchSharp.torch;

namespace GenNeg.Domains.Traffic.Oracle;

/// <summary>
/// Which vehicles overlap another: the separating-axis test on all pairs at once. For boxes i, j with half-length a,
/// half-width b, axes u = (cos, sin), v = (-sin, cos), d = p_j - p_i, C = |u_i . u_j|, S = |u_i x u_j|:
/// m1 = a_i + a_j C + b_j S - |d.u_i|, m2 = b_i + a_j S + b_j C - |d.v_i|, m3 = a_j + a_i C + b_i S - |d.u_j|,
/// m4 = b_j + a_i S + b_i C - |d.v_j|; min(m1..m4) is the penetration depth when positive. Boxes collide iff it
/// exceeds <see cref="Tolerance"/> (1 mm): touching boxes, edge to edge or corner to corner, do not collide
/// (Waymax and TorchDriveSim count positive overlap only).
/// </summary>
public static class CollisionTest
{
    public const double Tolerance = 1e-3;

    /// <summary>Penetration depth of every pair, [B, A, A] (negative: the gap along the best separating axis).</summary>
    public static Tensor Penetration(VehicleBoxes boxes)
    {
        using var scope = NewDisposeScope();
        var (ci, si) = (boxes.Cos.unsqueeze(2), boxes.Sin.unsqueeze(2));
        var (cj, sj) = (boxes.Cos.unsqueeze(1), boxes.Sin.unsqueeze(1));
        var (ai, bi) = (boxes.HalfLength.unsqueeze(2), boxes.HalfWidth.unsqueeze(2));
        var (aj, bj) = (boxes.HalfLength.unsqueeze(1), boxes.HalfWidth.unsqueeze(1));
        var d = boxes.Centre.unsqueeze(1) - boxes.Centre.unsqueeze(2);
        var (dx, dy) = (d[.., .., .., 0], d[.., .., .., 1]);
        var cosDiff = (ci * cj + si * sj).abs();
        var sinDiff = (si * cj - ci * sj).abs();
        var m1 = ai + aj * cosDiff + bj * sinDiff - (dx * ci + dy * si).abs();
        var m2 = bi + aj * sinDiff + bj * cosDiff - (dy * ci - dx * si).abs();
        var m3 = aj + ai * cosDiff + bi * sinDiff - (dx * cj + dy * sj).abs();
        var m4 = bj + ai * sinDiff + bi * cosDiff - (dy * cj - dx * sj).abs();
        return minimum(minimum(m1, m2), minimum(m3, m4)).MoveToOuterDisposeScope();
    }

    /// <summary>[B, A] true where the vehicle overlaps another present, finite vehicle.</summary>
    public static Tensor Colliding(VehicleBoxes boxes, Tensor present)
    {
        using var scope = NewDisposeScope();
        var agents = present.shape[1];
        var counted = present.logical_and(boxes.Finite);
        var pairs = counted.unsqueeze(2).logical_and(counted.unsqueeze(1))
            .logical_and(eye(agents, dtype: ScalarType.Bool, device: present.device).logical_not());
        return (Penetration(boxes) > Tolerance).logical_and(pairs).any(2).MoveToOuterDisposeScope();
    }
}
