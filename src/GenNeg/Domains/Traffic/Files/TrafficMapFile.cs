using System.Globalization;
using System.Text.Json;
using NetTopologySuite.Features;
using NetTopologySuite.Geometries;
using NetTopologySuite.IO.Converters;
using NetTopologySuite.Operation.Valid;

namespace GenNeg.Domains.Traffic.Files;

/// <summary>One map as read from a maps file: its id (property map), split and kind when given, and its drivable area.</summary>
public sealed record FileMap(string Id, string Split, string Kind, Geometry DrivableArea);

/// <summary>
/// Reads the maps GeoJSON of <c>genneg data export</c> (or a user's file in that format): a FeatureCollection whose
/// features carry a property map (a number or a string, matching the scenes' map column) and a valid Polygon or
/// MultiPolygon of drivable area in the scenes' metric frame.
/// </summary>
public static class TrafficMapFile
{
    private static readonly JsonSerializerOptions Options = new() { Converters = { new GeoJsonConverterFactory() } };

    public static IReadOnlyList<FileMap> Read(string path)
    {
        if (!File.Exists(path)) throw new GenNegException($"maps file '{path}' not found (data.traffic_files.maps, or maps.geojson beside the scenes)");
        FeatureCollection? collection;
        try
        {
            using var stream = File.OpenRead(path);
            collection = JsonSerializer.Deserialize<FeatureCollection>(stream, Options);
        }
        catch (JsonException e)
        {
            throw new GenNegException($"'{path}' is not a GeoJSON FeatureCollection: {e.Message}");
        }
        if (collection is null || collection.Count == 0) throw new GenNegException($"'{path}' holds no map features");
        var maps = new List<FileMap>();
        var seen = new HashSet<string>();
        for (var i = 0; i < collection.Count; i++)
        {
            var feature = collection[i];
            var where = $"'{path}' feature {i}";
            var id = Text(feature.Attributes, "map") ?? throw new GenNegException($"{where}: no property 'map' (the id the scenes' map column names)");
            where += $" (map {id})";
            if (!seen.Add(id)) throw new GenNegException($"{where}: a second feature with the same map id");
            var area = feature.Geometry;
            if (area is not (Polygon or MultiPolygon))
                throw new GenNegException($"{where}: the drivable area must be a Polygon or MultiPolygon, got {area?.GeometryType ?? "no geometry"}");
            var validity = new IsValidOp(area).ValidationError;
            if (validity is not null)
                throw new GenNegException($"{where}: invalid polygon: {validity.Message} at ({validity.Coordinate.X.ToString(CultureInfo.InvariantCulture)}, {validity.Coordinate.Y.ToString(CultureInfo.InvariantCulture)})");
            if (area.IsEmpty) throw new GenNegException($"{where}: the drivable area is empty");
            maps.Add(new FileMap(id, Text(feature.Attributes, "split") ?? "", Text(feature.Attributes, "kind") ?? "", area));
        }
        return maps;
    }

    /// <summary>A property as text: numbers in their shortest form (map 7 and map 7.0 are both "7"); null when absent.</summary>
    private static string? Text(IAttributesTable? attributes, string name)
    {
        if (attributes is null || !attributes.Exists(name)) return null;
        return attributes[name] switch
        {
            JsonElement { ValueKind: JsonValueKind.Number } number => number.GetDouble().ToString(CultureInfo.InvariantCulture),
            JsonElement { ValueKind: JsonValueKind.String } text => text.GetString(),
            null => null,
            IConvertible value when value is not string => Convert.ToDouble(value, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture),
            var value => value.ToString(),
        };
    }
}
