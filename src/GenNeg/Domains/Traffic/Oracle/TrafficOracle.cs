using GenNeg.Data;
using GenNeg.Domains.Traffic.Scenes;
using GenNeg.Oracles;
using static TorchSharp.torch;

namespace GenNeg.Domains.Traffic.Oracle;

/// <summary>
/// The traffic oracle: per vehicle, <c>collision</c> (its box overlaps another's, <see cref="CollisionTest"/>) and
/// <c>offroad</c> (a corner or edge midpoint off the road, <see cref="OffroadTest"/>); a vehicle is valid iff neither,
/// a scene iff all its vehicles are. Samples are scenes [B, A, 7] in the model's normalised space; the condition names
/// each scene's map ("map_index" [B]) and may mark padding ("agent_mask" [B, A], false = no vehicle: never infracts,
/// never hit). Degenerate boxes: see <see cref="VehicleBoxes"/>.
/// </summary>
public sealed class TrafficOracle(TrafficWorld world) : IOracle
{
    public const string OracleName = "traffic";
    public const string MapIndexKey = "map_index";
    public const string AgentMaskKey = "agent_mask";
    public const string Collision = "collision";
    public const string Offroad = "offroad";

    public string Name => OracleName;

    public Tensor IsValid(Tensor samples) =>
        throw new GenNegException("the traffic oracle needs the scenes' maps: call Judge with the condition (map_index) of the samples");

    public OracleVerdict Judge(Tensor samples, Condition condition)
    {
        if (samples.ndim != 3 || samples.shape[2] != TrafficFeatures.Count)
            throw new GenNegException($"the traffic oracle takes scenes [B, A, {TrafficFeatures.Count}], got shape [{string.Join(", ", samples.shape)}]");
        var mapIndex = condition[MapIndexKey];
        if (mapIndex.shape.Length != 1 || mapIndex.shape[0] != samples.shape[0])
            throw new GenNegException($"the traffic oracle needs one map_index per scene, got [{string.Join(", ", mapIndex.shape)}] for {samples.shape[0]} scenes");
        using var maps = mapIndex.to(ScalarType.Int64);
        var known = maps.numel() == 0 || (maps.min().item<long>() >= 0 && maps.max().item<long>() < world.Maps.Count);
        if (!known) throw new GenNegException($"a map_index is outside the {world.Maps.Count} maps of this data set");
        return JudgeMetres(world.Scaling.Denormalise(samples.detach()), maps, condition.TryGet(AgentMaskKey, out var mask) ? mask : null);
    }

    /// <summary>The verdict on scenes already in metres [B, A, 7] (the tests' and the exporters' entry).</summary>
    public OracleVerdict JudgeMetres(Tensor metres, Tensor mapIndex, Tensor? agentMask = null)
    {
        using var scope = NewDisposeScope();
        var boxes = new VehicleBoxes(metres.to(ScalarType.Float32));
        var present = agentMask?.to(ScalarType.Bool).to(metres.device) ?? ones(metres.shape[0], metres.shape[1], dtype: ScalarType.Bool, device: metres.device);
        var collision = CollisionTest.Colliding(boxes, present);
        var offroad = OffroadTest.Offroad(boxes, mapIndex, world).logical_and(present);
        var valid = collision.logical_or(offroad).logical_not();
        return new OracleVerdict(valid, new Dictionary<string, Tensor> { [Collision] = collision, [Offroad] = offroad }).MoveToOuterDisposeScope();
    }
}
