using GenNeg.Oracles;
using static TorchSharp.torch;

namespace GenNeg.Metrics;

/// <summary>The fraction of samples the oracle rejects (O(x) = 0).</summary>
public static class InfractionRate
{
    public static double Compute(IOracle oracle, Tensor samples)
    {
        using var scope = NewDisposeScope();
        return 1.0 - oracle.IsValid(samples).to(ScalarType.Float64).mean().item<double>();
    }
}
