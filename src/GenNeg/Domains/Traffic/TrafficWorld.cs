using GenNeg.Data;
using GenNeg.Domains.Traffic.Maps;
using GenNeg.Domains.Traffic.Oracle;
using GenNeg.Domains.Traffic.Scenes;
using TorchSharp;
using static TorchSharp.torch;

namespace GenNeg.Domains.Traffic;

/// <summary>
/// What the traffic oracle and pictures need beside the samples (<see cref="Data.DataSplit.World"/>): every map of both
/// splits (map i at index i, named by the condition's "map_index"), and the feature scaling of the model's space.
/// </summary>
public sealed class TrafficWorld : IDisposable, IRealUnits
{
    public TrafficWorld(TrafficDataConfig config, IReadOnlyList<RoadMap> maps, FeatureScaling scaling)
    {
        if (maps.Select((m, i) => m.Index != i).Any(wrong => wrong)) throw new ArgumentException("map i must sit at index i", nameof(maps));
        Config = config;
        Maps = maps;
        Scaling = scaling;
        OracleFrame = maps[0].OracleFrame;
        var pixels = OracleFrame.Size * OracleFrame.Size;
        var road = new bool[maps.Count * pixels];
        for (var m = 0; m < maps.Count; m++)
            for (var p = 0; p < pixels; p++)
                road[m * pixels + p] = maps[m].RoadPixels[p] != 0;
        RoadPixels = tensor(road).reshape(maps.Count, pixels);
    }

    public TrafficDataConfig Config { get; }

    public IReadOnlyList<RoadMap> Maps { get; }

    public FeatureScaling Scaling { get; }

    public MapFrame OracleFrame { get; }

    /// <summary>The fine road rasters, [maps, rows * columns] bool, row-major as in <see cref="MapFrame"/>, on the CPU.</summary>
    public Tensor RoadPixels { get; }

    /// <summary>Copies of <see cref="RoadPixels"/> on other devices, made once each rather than at every oracle call.</summary>
    private readonly Dictionary<string, Tensor> roadPixelsByDevice = [];

    /// <summary><see cref="RoadPixels"/> on <paramref name="device"/>.</summary>
    public Tensor RoadPixelsOn(Device device)
    {
        if (device.type == DeviceType.CPU) return RoadPixels;
        var key = device.ToString();
        lock (roadPixelsByDevice)
        {
            if (!roadPixelsByDevice.TryGetValue(key, out var copy))
                roadPixelsByDevice[key] = copy = RoadPixels.to(device).DetachFromDisposeScope();
            return copy;
        }
    }

    /// <summary>Scenes in metres (positions, sizes, speed) with the heading as (cos, sin).</summary>
    public Tensor ToRealUnits(Tensor samples) => Scaling.Denormalise(samples);

    /// <summary>The condition's agent_mask (false = padding) when it has one.</summary>
    public Tensor? ElementMask(Condition condition) => condition.TryGet(TrafficOracle.AgentMaskKey, out var mask) ? mask : null;

    public void Dispose()
    {
        RoadPixels.Dispose();
        foreach (var copy in roadPixelsByDevice.Values) copy.Dispose();
    }
}
