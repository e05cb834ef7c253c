using GenNeg.Domains.Traffic.Maps;
using static TorchSharp.torch;

namespace GenNeg.Domains.Traffic.Scenes;

/// <summary>
/// The scenes of one split: scene i on map i mod maps, vehicles as raw features [N, A, 7] (metres, m/s). Each scene
/// draws from a generator of its own seeded by (split seed, scene), so scenes come out the same on any number of threads.
/// </summary>
public static class SceneGenerator
{
    private const int RestartsPerScene = 50;

    public static (Tensor Features, long[] MapIndex) Generate(IReadOnlyList<RoadMap> maps, int count, TrafficDataConfig config, long seed)
    {
        var placer = new ScenePlacer(config);
        var features = new float[count * config.Agents * TrafficFeatures.Count];
        var mapIndex = new long[count];
        Parallel.For(0, count, scene =>
        {
            var random = new Random(Seeds.Mix(seed, scene, 104_729));
            var map = maps[scene % maps.Count];
            var vehicles = Enumerable.Range(0, RestartsPerScene).Select(_ => placer.TryPlace(map, random)).FirstOrDefault(v => v is not null)
                ?? throw new GenNegException($"map {map.Index} ({map.Kind}) could not hold {config.Agents} vehicles in {RestartsPerScene} tries; lower data.traffic.agents");
            for (var agent = 0; agent < vehicles.Length; agent++)
                TrafficFeatures.Write(vehicles[agent], features.AsSpan((scene * config.Agents + agent) * TrafficFeatures.Count, TrafficFeatures.Count));
            mapIndex[scene] = map.Index;
        });
        return (tensor(features).reshape(count, config.Agents, TrafficFeatures.Count), mapIndex);
    }
}
