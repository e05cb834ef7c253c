using GenNeg.Domains.Traffic.Scenes;
using static TorchSharp.torch;

namespace GenNeg.Domains.Traffic.Oracle;

/// <summary>
/// Vehicles [B, A, 7] in metres as the oracle reads them, with its treatment of what a model may produce:
/// <list type="bullet">
/// <item>the heading is the direction of (cos, sin) whatever its norm; a vector shorter than 1e-6 means heading 0;</item>
/// <item>length and width below <see cref="MinimumDimension"/> (0.1 m, including zero and negative values) count as
/// 0.1 m, so a flat box is a thin box: it collides only with what it crosses, never with everything;</item>
/// <item>a vehicle with a non-finite feature is offroad (it is nowhere on the map) and collides with nothing.</item>
/// </list>
/// </summary>
public sealed class VehicleBoxes
{
    public const double MinimumDimension = 0.1;

    public VehicleBoxes(Tensor metres)
    {
        Finite = metres.isfinite().all(-1);
        var clean = metres.nan_to_num(0, 0, 0);
        Centre = clean[.., .., TrafficFeatures.X..(TrafficFeatures.Y + 1)];
        HalfLength = clean[.., .., TrafficFeatures.Length].clamp_min(MinimumDimension) / 2;
        HalfWidth = clean[.., .., TrafficFeatures.Width].clamp_min(MinimumDimension) / 2;
        var (c, s) = (clean[.., .., TrafficFeatures.Cos], clean[.., .., TrafficFeatures.Sin]);
        var norm = (c * c + s * s).sqrt();
        var degenerate = norm < 1e-6;
        Cos = where(degenerate, ones_like(c), c / norm.clamp_min(1e-6));
        Sin = where(degenerate, zeros_like(s), s / norm.clamp_min(1e-6));
    }

    /// <summary>[B, A] true where every feature is finite.</summary>
    public Tensor Finite { get; }

    /// <summary>[B, A, 2] centres.</summary>
    public Tensor Centre { get; }

    public Tensor HalfLength { get; }

    public Tensor HalfWidth { get; }

    /// <summary>[B, A] unit heading vector (cos, sin).</summary>
    public Tensor Cos { get; }

    public Tensor Sin { get; }

    /// <summary>
    /// Points x, y [B, A, P] at each offset (along in half-lengths forward, across in half-widths left of the centre),
    /// the batched <see cref="Shapes.OrientedBox.PointAt"/>.
    /// </summary>
    public (Tensor X, Tensor Y) PointsAt(IReadOnlyList<(double Along, double Across)> offsets)
    {
        using var scope = NewDisposeScope();
        var (x, y) = PointsAt(Factors(offsets, Centre));
        return (x.MoveToOuterDisposeScope(), y.MoveToOuterDisposeScope());
    }

    /// <summary>The offsets as factors [2, P] (along, across) on the device and of the type of <paramref name="like"/>.</summary>
    public static Tensor Factors(IReadOnlyList<(double Along, double Across)> offsets, Tensor like) =>
        tensor(offsets.SelectMany(o => new[] { o.Along, o.Across }).ToArray(), device: like.device).to(like.dtype).reshape(-1, 2).t();

    /// <summary><see cref="PointsAt(IReadOnlyList{ValueTuple{double, double}})"/> from <see cref="Factors"/> already on the device.</summary>
    public (Tensor X, Tensor Y) PointsAt(Tensor factors)
    {
        using var scope = NewDisposeScope();
        var along = factors[0].reshape(1, 1, -1) * HalfLength.unsqueeze(2);
        var across = factors[1].reshape(1, 1, -1) * HalfWidth.unsqueeze(2);
        var (c, s) = (Cos.unsqueeze(2), Sin.unsqueeze(2));
        var x = Centre[.., .., 0].unsqueeze(2) + along * c - across * s;
        var y = Centre[.., .., 1].unsqueeze(2) + along * s + across * c;
        return (x.MoveToOuterDisposeScope(), y.MoveToOuterDisposeScope());
    }
}
