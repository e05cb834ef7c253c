using GenNeg.Data;
using static TorchSharp.torch;

namespace GenNeg.Oracles;

/// <summary>
/// A cheap validity check O(x) in {0, 1}: 1 = valid (inside Omega), 0 = infraction.
/// It may be any black box; it is never differentiated. An oracle of unconditional samples implements
/// <see cref="IsValid"/> only; one that reads the samples' condition (a road map) or labels each element
/// (each vehicle) implements <see cref="Judge"/>.
/// </summary>
public interface IOracle
{
    /// <summary>The name configs and the CLI use to pick this oracle.</summary>
    string Name { get; }

    /// <summary>Labels a batch of samples [B, ...]: a bool tensor [B], true where the sample is valid.</summary>
    Tensor IsValid(Tensor samples);

    /// <summary>
    /// Labels a batch of samples [B, *S] given their condition: per sample [B] or per element [B, *E], with optional
    /// named reasons. By default, <see cref="IsValid"/> per sample, ignoring the condition.
    /// </summary>
    OracleVerdict Judge(Tensor samples, Condition condition) => new(IsValid(samples));
}
