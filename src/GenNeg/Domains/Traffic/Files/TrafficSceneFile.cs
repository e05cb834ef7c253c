using System.Globalization;
using CsvHelper;

namespace GenNeg.Domains.Traffic.Files;

/// <summary>One vehicle as read from a scenes file, with the line it came from (for messages).</summary>
public sealed record FileVehicle(long Line, string Split, long Scene, string Map, long Agent, double X, double Y, double Length, double Width,
    double Heading, double Speed);

/// <summary>
/// Reads the scenes CSV of <c>genneg data export</c> (or a user's file in that format): a header with at least the
/// columns of <see cref="Required"/> in any order; other columns are ignored. Every problem is one line naming the file,
/// the line and the column.
/// </summary>
public static class TrafficSceneFile
{
    public static readonly string[] Required = ["split", "scene", "map", "agent", "x", "y", "length", "width", "heading", "speed"];

    public static IReadOnlyList<FileVehicle> Read(string path)
    {
        if (!File.Exists(path)) throw new GenNegException($"scenes file '{path}' not found (data.traffic_files.scenes)");
        using var csv = CsvReader.FromFile(path, new CsvReaderOptions { HasHeader = true, TrackLineNumbers = true }, FileOptions.SequentialScan);
        var columns = new Dictionary<string, int>();
        foreach (var name in Required)
        {
            if (!csv.TryGetFieldIndex(name, out var index))
                throw new GenNegException($"'{path}' line 1: the header has no column '{name}'; the scenes file needs the columns {string.Join(", ", Required)}");
            columns[name] = index;
        }
        var rows = new List<FileVehicle>();
        var culture = CultureInfo.InvariantCulture;
        while (csv.Read())
        {
            var line = csv.LineNumber;
            string Text(string name)
            {
                var index = columns[name];
                if (index >= csv.FieldCount) throw new GenNegException($"'{path}' line {line}: the row has {csv.FieldCount} fields and no value for column '{name}'");
                return csv.GetString(index).Trim();
            }
            long Whole(string name)
            {
                var text = Text(name);
                return long.TryParse(text, NumberStyles.Integer, culture, out var value) ? value
                    : throw new GenNegException($"'{path}' line {line}: column '{name}' holds '{text}', not a whole number");
            }
            double Number(string name)
            {
                var text = Text(name);
                if (!double.TryParse(text, NumberStyles.Float, culture, out var value))
                    throw new GenNegException($"'{path}' line {line}: column '{name}' holds '{text}', not a number");
                return double.IsFinite(value) ? value : throw new GenNegException($"'{path}' line {line}: column '{name}' holds {text}, not a finite number");
            }
            double Size(string name)
            {
                var value = Number(name);
                return value > 0 ? value : throw new GenNegException($"'{path}' line {line}: column '{name}' holds {value.ToString(culture)}; a vehicle's {name} must be positive (metres)");
            }
            var split = Text("split");
            if (split is not ("train" or "validation"))
                throw new GenNegException($"'{path}' line {line}: column 'split' holds '{split}'; use train or validation");
            var map = Text("map");
            if (map.Length == 0) throw new GenNegException($"'{path}' line {line}: column 'map' is empty");
            rows.Add(new FileVehicle(line, split, Whole("scene"), map, Whole("agent"), Number("x"), Number("y"), Size("length"), Size("width"),
                Number("heading"), Number("speed")));
        }
        if (rows.Count == 0) throw new GenNegException($"'{path}' holds no vehicles (only a header)");
        return rows;
    }
}
