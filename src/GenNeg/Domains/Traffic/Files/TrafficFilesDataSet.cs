using System.Globalization;
using GenNeg.Configuration;
using GenNeg.Data;
using GenNeg.Domains.Traffic.Maps;
using GenNeg.Domains.Traffic.Oracle;
using GenNeg.Domains.Traffic.Scenes;
using GenNeg.Oracles;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using NetTopologySuite.Geometries;
using static TorchSharp.torch;

namespace GenNeg.Domains.Traffic.Files;

/// <summary>
/// Traffic scenes and maps from files (<see cref="TrafficFilesConfig"/>), as the built-in traffic data set gives them:
/// samples [N, A, 7] normalised per feature (fitted on the real training vehicles), conditions "map" (the raster of the
/// map's polygons at raster_resolution), "map_index" and, when some scene has fewer than max_agents vehicles,
/// "agent_mask" [N, A] (false = padding; padded rows are zeros in the model's space). Its world is a
/// <see cref="TrafficWorld"/>, so the traffic oracle, pictures and export work unchanged. The files carry no lanes:
/// the realism features that need lanes are left out.
/// </summary>
public sealed class TrafficFilesDataSet(Func<ILogger>? logger = null) : IDataSet, IRealismFeatures
{
    public const string DataSetName = "traffic_files";

    private static readonly GeometryFactory Factory = new();
    private ILogger log => logger?.Invoke() ?? NullLogger.Instance;
    private readonly TrafficDataSet traffic = new();

    public string Name => DataSetName;

    public Type ConfigType => typeof(TrafficFilesConfig);

    /// <summary>What loading kept and left out, as the one-line summary logs it.</summary>
    public sealed record LoadSummary(int TrainScenes, int ValidationScenes, int Vehicles, int Padded, int Cropped, int DroppedCrowded,
        IReadOnlyDictionary<string, int> Infracting, int DroppedInfracting);

    /// <summary>The summary of the last <see cref="Load"/>.</summary>
    public LoadSummary? LastSummary { get; private set; }

    public DataSplit Load(DataConfig config)
    {
        var files = config.OptionsAs<TrafficFilesConfig>();
        var settings = files.AsTraffic();
        var mapsPath = files.Maps.Length > 0 ? files.Maps : TrafficDataSet.MapsPathBeside(files.Scenes);
        var fileMaps = TrafficMapFile.Read(mapsPath);
        var maps = fileMaps.Select((m, i) => MapGenerator.FromArea(settings, i, m.Split, KindOf(m.Kind), Clip(m.DrivableArea, settings.Window / 2), [])).ToArray();
        var mapIndex = fileMaps.Select((m, i) => (m.Id, i)).ToDictionary(p => p.Id, p => p.i);
        var vehicles = TrafficSceneFile.Read(files.Scenes);
        WarnOnDegrees(vehicles, files.Scenes);

        var scenes = Group(vehicles, files.Scenes, mapIndex, mapsPath);
        var (cropped, droppedCrowded) = (0, 0);
        var kept = new List<FileScene>();
        foreach (var scene in scenes)
        {
            if (scene.Vehicles.Count <= files.MaxAgents) kept.Add(scene);
            else if (files.CrowdedScenes == TrafficFilesConfig.Drop) droppedCrowded++;
            else
            {
                cropped++;
                // The vehicles nearest the window's centre are kept: those at its edge lie partly on road the map cuts off.
                kept.Add(scene with { Vehicles = scene.Vehicles.OrderBy(v => v.X * v.X + v.Y * v.Y).ThenBy(v => v.Agent).Take(files.MaxAgents).OrderBy(v => v.Agent).ToArray() });
            }
        }

        // Scenes as read are judged by the traffic oracle: flagged ones are counted by reason, and kept or dropped.
        var oracleWorld = new TrafficWorld(settings, maps, FeatureScaling.Identity(TrafficFeatures.Count));
        var infracting = new Dictionary<string, int> { [TrafficOracle.Collision] = 0, [TrafficOracle.Offroad] = 0 };
        var droppedInfracting = 0;
        var clean = new List<FileScene>();
        using (var scope = NewDisposeScope())
        {
            if (kept.Count > 0)
            {
                var (metres, present, index) = Tensors(kept, files.MaxAgents);
                var verdict = new TrafficOracle(oracleWorld).JudgeMetres(metres, index, present);
                var reasons = verdict.Infractions.ToDictionary(r => r.Key, r => r.Value.any(1).data<bool>().ToArray());
                var valid = verdict.SampleValidFlags();
                for (var s = 0; s < kept.Count; s++)
                {
                    foreach (var (reason, flags) in reasons) if (flags[s]) infracting[reason]++;
                    if (!valid[s] && files.InfractingScenes == TrafficFilesConfig.Drop) droppedInfracting++;
                    else clean.Add(kept[s]);
                }
            }
        }
        var train = clean.Where(s => s.Split == "train").ToArray();
        var validation = clean.Where(s => s.Split == "validation").ToArray();
        if (train.Length == 0) throw new GenNegException($"'{files.Scenes}' holds no training scenes (split train) after the rules of data.traffic_files; the data set needs some to train on");
        if (validation.Length < config.ValidationSize)
            throw ConfigKey.Error("data.validation_size", $"({config.ValidationSize:N0}) exceeds the {validation.Length:N0} held-out scenes (split validation) of '{files.Scenes}'; set it to at most that");

        var padded = clean.Count(s => s.Vehicles.Count < files.MaxAgents);
        LastSummary = new LoadSummary(train.Length, validation.Length, clean.Sum(s => s.Vehicles.Count), padded, cropped, droppedCrowded, infracting, droppedInfracting);
        log.LogInformation("Read {Train} training and {Validation} held-out scenes ({Vehicles} vehicles on {Maps} maps) from {Path}: {Padded} padded to {MaxAgents} vehicles, " +
            "{Cropped} cropped and {DroppedCrowded} dropped for more than {MaxAgents} vehicles, {Collision} with a collision and {Offroad} with a vehicle off the road as read ({DroppedInfracting} of those dropped)",
            train.Length, validation.Length, LastSummary.Vehicles, maps.Length, files.Scenes, padded, files.MaxAgents, cropped, droppedCrowded, files.MaxAgents,
            infracting[TrafficOracle.Collision], infracting[TrafficOracle.Offroad], droppedInfracting);

        var (trainMetres, trainPresent, trainMaps) = Tensors(train, files.MaxAgents);
        var (validationMetres, validationPresent, validationMaps) = Tensors(validation, files.MaxAgents);
        // The scaling is fitted on the real vehicles only: padding is no vehicle.
        using var realRows = trainMetres.reshape(-1, TrafficFeatures.Count)
            .index_select(0, trainPresent.reshape(-1).nonzero().squeeze(1));
        var world = new TrafficWorld(settings, maps, FeatureScaling.Fit(realRows));
        var anyPadding = padded > 0;
        using var rasters = stack(maps.Select(m => tensor(m.ConditionRaster).reshape(1, m.ConditionFrame.Size, m.ConditionFrame.Size)).ToArray());
        var split = new DataSplit(Normalised(world, trainMetres, trainPresent), Normalised(world, validationMetres, validationPresent),
            SceneCondition(rasters, trainMaps, anyPadding ? trainPresent : null), SceneCondition(rasters, validationMaps, anyPadding ? validationPresent : null),
            [files.MaxAgents], world);
        foreach (var t in new[] { trainMetres, validationMetres, trainMaps, validationMaps }) t.Dispose();
        if (!anyPadding)
        {
            trainPresent.Dispose();
            validationPresent.Dispose();
        }
        return split;
    }

    public byte[] RenderSamples(DataSplit data, Tensor samples, Condition condition, OracleVerdict verdict, string title) =>
        traffic.RenderSamples(data, samples, condition, verdict, title);

    public string ExportFileName => traffic.ExportFileName;

    public void WriteSamples(DataSplit data, IReadOnlyList<string> splits, Tensor samples, Condition condition, OracleVerdict verdict, string path) =>
        traffic.WriteSamples(data, splits, samples, condition, verdict, path);

    public IReadOnlyList<RealismFeature> RealismFeatures(DataSplit data, Tensor samples, Condition condition) =>
        traffic.RealismFeatures(data, samples, condition);

    /// <summary>One scene as read: its split, number and map (index into the maps file's order), vehicles by agent number.</summary>
    private sealed record FileScene(string Split, long Number, int Map, IReadOnlyList<FileVehicle> Vehicles);

    private static List<FileScene> Group(IReadOnlyList<FileVehicle> vehicles, string path, Dictionary<string, int> mapIndex, string mapsPath)
    {
        var scenes = new List<FileScene>();
        foreach (var group in vehicles.GroupBy(v => (v.Split, v.Scene)).OrderBy(g => g.Key.Split == "train" ? 0 : 1).ThenBy(g => g.Key.Scene))
        {
            var first = group.First();
            var map = CanonicalMap(first.Map);
            if (!mapIndex.TryGetValue(map, out var index))
                throw new GenNegException($"'{path}' line {first.Line}: map '{first.Map}' is not in '{mapsPath}' (its maps: {Sample(mapIndex.Keys)})");
            if (group.FirstOrDefault(v => CanonicalMap(v.Map) != map) is { } other)
                throw new GenNegException($"'{path}' line {other.Line}: {group.Key.Split} scene {group.Key.Scene} lies on map '{first.Map}' (line {first.Line}) and on map '{other.Map}'; a scene lies on one map");
            var byAgent = group.OrderBy(v => v.Agent).ToArray();
            for (var k = 1; k < byAgent.Length; k++)
                if (byAgent[k].Agent == byAgent[k - 1].Agent)
                    throw new GenNegException($"'{path}' line {Math.Max(byAgent[k].Line, byAgent[k - 1].Line)}: {group.Key.Split} scene {group.Key.Scene} has agent {byAgent[k].Agent} twice (also line {Math.Min(byAgent[k].Line, byAgent[k - 1].Line)})");
            scenes.Add(new FileScene(group.Key.Split, group.Key.Scene, index, byAgent));
        }
        return scenes;
    }

    private static string CanonicalMap(string map) =>
        double.TryParse(map, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) ? number.ToString(CultureInfo.InvariantCulture) : map;

    private static string Sample(IEnumerable<string> ids)
    {
        var list = ids.Take(6).ToList();
        return string.Join(", ", list) + (ids.Count() > list.Count ? ", ..." : "");
    }

    /// <summary>Headings in radians lie within [-2 pi, 2 pi]; a file whose headings all fit yet many exceed it was likely written in degrees.</summary>
    private void WarnOnDegrees(IReadOnlyList<FileVehicle> vehicles, string path)
    {
        var beyond = vehicles.Count(v => Math.Abs(v.Heading) > 2 * Math.PI);
        if (beyond > 0 && vehicles.Max(v => Math.Abs(v.Heading)) <= 360)
            log.LogWarning("{Beyond} of {Count} headings in {Path} exceed 2 pi: headings are read as radians; were they written in degrees?", beyond, vehicles.Count, path);
    }

    /// <summary>Scenes in metres [N, A, 7] (padding zeros), which vehicles are real [N, A], and each scene's map [N].</summary>
    private static (Tensor Metres, Tensor Present, Tensor MapIndex) Tensors(IReadOnlyList<FileScene> scenes, int agents)
    {
        var features = new float[scenes.Count * agents * TrafficFeatures.Count];
        var present = new bool[scenes.Count * agents];
        for (var s = 0; s < scenes.Count; s++)
            for (var a = 0; a < scenes[s].Vehicles.Count; a++)
            {
                var v = scenes[s].Vehicles[a];
                var f = features.AsSpan((s * agents + a) * TrafficFeatures.Count, TrafficFeatures.Count);
                (f[TrafficFeatures.X], f[TrafficFeatures.Y], f[TrafficFeatures.Length], f[TrafficFeatures.Width]) = ((float)v.X, (float)v.Y, (float)v.Length, (float)v.Width);
                (f[TrafficFeatures.Cos], f[TrafficFeatures.Sin], f[TrafficFeatures.Speed]) = ((float)Math.Cos(v.Heading), (float)Math.Sin(v.Heading), (float)v.Speed);
                present[s * agents + a] = true;
            }
        return (tensor(features).reshape(scenes.Count, agents, TrafficFeatures.Count), tensor(present).reshape(scenes.Count, agents),
            tensor(scenes.Select(s => (long)s.Map).ToArray()));
    }

    private static Tensor Normalised(TrafficWorld world, Tensor metres, Tensor present)
    {
        using var scope = NewDisposeScope();
        return world.Scaling.Normalise(metres).mul(present.unsqueeze(-1)).MoveToOuterDisposeScope();
    }

    private static Condition SceneCondition(Tensor rasters, Tensor mapIndex, Tensor? present)
    {
        var condition = new Condition([new(TrafficDataSet.MapKey, rasters.index_select(0, mapIndex)), new(TrafficOracle.MapIndexKey, mapIndex.clone())]);
        return present is null ? condition : condition.With(TrafficOracle.AgentMaskKey, present);
    }

    /// <summary>The area inside the window; an area already inside it is kept as it is.</summary>
    private static Geometry Clip(Geometry area, double half)
    {
        var window = Factory.CreatePolygon(
        [
            new Coordinate(-half, -half), new Coordinate(half, -half), new Coordinate(half, half), new Coordinate(-half, half), new Coordinate(-half, -half),
        ]);
        return window.Covers(area) ? area : SafeOverlay.Overlay(area, window, NetTopologySuite.Operation.Overlay.SpatialFunction.Intersection);
    }

    /// <summary>The map's kind when the file names a built-in one; it only describes the map (unknown kinds read as Straight).</summary>
    private static MapKind KindOf(string kind) => Enum.TryParse<MapKind>(kind, ignoreCase: true, out var parsed) ? parsed : MapKind.Straight;
}
