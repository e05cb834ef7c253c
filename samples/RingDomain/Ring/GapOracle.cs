using GenNeg.Oracles;
using static TorchSharp.torch;

namespace RingDomain.Ring;

/// <summary>Valid iff the point's angle lies outside the gap of <paramref name="gapDegrees"/> centred on angle 0.</summary>
public sealed class GapOracle(double gapDegrees) : IOracle
{
    public const string OracleName = "outside_gap";

    public string Name => OracleName;

    public Tensor IsValid(Tensor samples)
    {
        using var scope = NewDisposeScope();
        var angle = atan2(samples[.., 1], samples[.., 0]).abs();
        return (angle > gapDegrees * Math.PI / 360).MoveToOuterDisposeScope();
    }
}
