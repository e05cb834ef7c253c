using static TorchSharp.torch;

namespace GenNeg.Oracles;

/// <summary>
/// A cheap validity check O(x) in {0, 1}: 1 = valid (inside Omega), 0 = infraction.
/// It may be any black box; it is never differentiated.
/// </summary>
public interface IOracle
{
    /// <summary>The name configs and the CLI use to pick this oracle.</summary>
    string Name { get; }

    /// <summary>Labels a batch of samples [B, D]: a bool tensor [B], true where the sample is valid.</summary>
    Tensor IsValid(Tensor samples);
}
