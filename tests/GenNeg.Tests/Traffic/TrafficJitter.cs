using GenNeg.Domains.Traffic.Oracle;
using GenNeg.Domains.Traffic.Scenes;
using static TorchSharp.torch;

namespace GenNeg.Tests.Traffic;

/// <summary>Training scenes with positions moved by N(0, 0.6 m) and headings turned by N(0, 0.15 rad): what a model that almost learned them makes.</summary>
internal static class TrafficJitter
{
    public static (Tensor Metres, Tensor MapIndex) Apply(SmallTrafficData small, int seed)
    {
        using var generator = new Generator((ulong)seed);
        var metres = small.World.Scaling.Denormalise(small.Data.Train);
        var shape = metres.shape[..2];
        var heading = atan2(metres[.., .., TrafficFeatures.Sin], metres[.., .., TrafficFeatures.Cos]) + 0.15 * randn(shape, generator: generator);
        var position = metres[.., .., ..2] + 0.6 * randn([.. shape, 2], generator: generator);
        var jittered = cat([position, metres[.., .., 2..4], heading.cos().unsqueeze(2), heading.sin().unsqueeze(2), metres[.., .., 6..]], 2);
        return (jittered.MoveToOuterDisposeScope(), small.Data.TrainCondition[TrafficOracle.MapIndexKey]);
    }
}
