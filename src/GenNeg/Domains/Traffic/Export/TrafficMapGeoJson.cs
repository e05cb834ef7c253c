using System.Text.Json;
using GenNeg.Domains.Traffic.Maps;
using GenNeg.Runs;
using NetTopologySuite.Features;
using NetTopologySuite.Geometries;
using NetTopologySuite.IO.Converters;

namespace GenNeg.Domains.Traffic.Export;

/// <summary>
/// The maps as a GeoJSON FeatureCollection: one feature per map whose geometry is its drivable area ((Multi)Polygon,
/// holes for medians and islands) in the scenes' metric frame (metres, window centred on the origin), with the
/// properties map (index), split and kind. Shapely, GeoPandas and QGIS read it as is.
/// </summary>
public static class TrafficMapGeoJson
{
    public sealed record MapFeature(int Map, string Split, string Kind, Geometry DrivableArea);

    private static readonly JsonSerializerOptions Options = new() { Converters = { new GeoJsonConverterFactory() } };

    public static void Write(string path, IEnumerable<RoadMap> maps)
    {
        var collection = new FeatureCollection();
        foreach (var map in maps)
            collection.Add(new Feature(map.DrivableArea, new AttributesTable
            {
                { "map", map.Index },
                { "split", map.Split },
                { "kind", map.Kind.ToString() },
            }));
        AtomicFile.Write(path, stream => JsonSerializer.Serialize(stream, collection, Options));
    }

    public static IReadOnlyList<MapFeature> Read(string path)
    {
        if (!File.Exists(path)) throw new GenNegException($"maps file '{path}' not found");
        using var stream = File.OpenRead(path);
        var collection = JsonSerializer.Deserialize<FeatureCollection>(stream, Options)
            ?? throw new GenNegException($"'{path}' holds no GeoJSON FeatureCollection");
        return collection.Select(f => new MapFeature(
            Convert.ToInt32(Plain(f.Attributes["map"]), System.Globalization.CultureInfo.InvariantCulture),
            Convert.ToString(Plain(f.Attributes["split"]), System.Globalization.CultureInfo.InvariantCulture) ?? "",
            Convert.ToString(Plain(f.Attributes["kind"]), System.Globalization.CultureInfo.InvariantCulture) ?? "",
            f.Geometry)).ToArray();
    }

    /// <summary>Read attributes may arrive as JSON elements; numbers and strings become plain values.</summary>
    private static object? Plain(object? value) => value switch
    {
        JsonElement { ValueKind: JsonValueKind.Number } number => number.GetDouble(),
        JsonElement { ValueKind: JsonValueKind.String } text => text.GetString(),
        _ => value,
    };
}
