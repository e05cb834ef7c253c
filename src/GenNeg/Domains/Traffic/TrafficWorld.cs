using GenNeg.Data;
using GenNeg.Domains.Traffic.Maps;
using GenNeg.Domains.Traffic.Oracle;
using GenNeg.Domains.Traffic.Scenes;
using static TorchSharp.torch;

namespace GenNeg.Domains.Traffic;

/// <summary>
/// What the traffic oracle and pictures need beside the samples (<see cref="Data.DataSplit.World"/>): every map of both
/// splits (map i at index i, named by the condition's "map_index"), and the feature scaling of the model's space.
/// </summary>
public sealed class TrafficWorld : IRealUnits
{
    public TrafficWorld(TrafficDataConfig config, IReadOnlyList<RoadMap> maps, FeatureScaling scaling)
    {
        if (maps.Select((m, i) => m.Index != i).Any(wrong => wrong)) throw new ArgumentException("map i must sit at index i", nameof(maps));
        Config = config;
        Maps = maps;
        Scaling = scaling;
        OracleFrame = maps[0].OracleFrame;
    }

    public TrafficDataConfig Config { get; }

    public IReadOnlyList<RoadMap> Maps { get; }

    public FeatureScaling Scaling { get; }

    public MapFrame OracleFrame { get; }

    /// <summary>Scenes in metres (positions, sizes, speed) with the heading as (cos, sin).</summary>
    public Tensor ToRealUnits(Tensor samples) => Scaling.Denormalise(samples);

    /// <summary>The condition's agent_mask (false = padding) when it has one.</summary>
    public Tensor? ElementMask(Condition condition) => condition.TryGet(TrafficOracle.AgentMaskKey, out var mask) ? mask : null;

    /// <summary>Scenes of <paramref name="count"/> vehicles: agent_mask true on each scene's first count rows.</summary>
    public Condition WithRealElements(Condition condition, long count)
    {
        var mapIndex = condition[TrafficOracle.MapIndexKey];
        using var scope = NewDisposeScope();
        var mask = (arange(Config.Agents, device: mapIndex.device) < count).unsqueeze(0).expand(mapIndex.shape[0], Config.Agents).contiguous();
        return condition.With(TrafficOracle.AgentMaskKey, mask.MoveToOuterDisposeScope());
    }
}
