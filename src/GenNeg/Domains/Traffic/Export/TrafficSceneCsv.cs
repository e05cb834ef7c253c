using System.Globalization;
using System.Text;
using CsvHelper;
using GenNeg.Data;
using GenNeg.Domains.Traffic.Oracle;
using GenNeg.Domains.Traffic.Scenes;
using GenNeg.Oracles;
using GenNeg.Runs;
using static TorchSharp.torch;

namespace GenNeg.Domains.Traffic.Export;

/// <summary>
/// Scenes as CSV, one row per vehicle: split, scene, map, agent, x, y, length, width, heading, speed, collision,
/// offroad (flags 1 or 0). Numbers are written in round-trip form, so reading the file back gives the same values.
/// </summary>
public static class TrafficSceneCsv
{
    public static readonly string[] Header = ["split", "scene", "map", "agent", "x", "y", "length", "width", "heading", "speed", "collision", "offroad"];

    /// <summary>The rows of scenes in metres [B, A, 7] on maps mapIndex [B] with the oracle's per-vehicle verdict; splits [B] names each scene's split.</summary>
    /// <param name="agentMask">[B, A], false for padding rows, which are no vehicles and are not written; null when every row is one</param>
    public static IEnumerable<TrafficVehicleRow> Rows(IReadOnlyList<string> splits, Tensor metres, Tensor mapIndex, OracleVerdict verdict, Tensor? agentMask = null)
    {
        var (scenes, agents) = ((int)metres.shape[0], (int)metres.shape[1]);
        if (splits.Count != scenes) throw new ArgumentException($"one split name per scene: {splits.Count} names for {scenes} scenes", nameof(splits));
        var features = metres.cpu().to(ScalarType.Float32).contiguous().data<float>().ToArray();
        var maps = mapIndex.cpu().to(ScalarType.Int64).data<long>().ToArray();
        var collision = verdict.Infractions[TrafficOracle.Collision].cpu().contiguous().data<bool>().ToArray();
        var offroad = verdict.Infractions[TrafficOracle.Offroad].cpu().contiguous().data<bool>().ToArray();
        var present = agentMask?.cpu().to(ScalarType.Bool).contiguous().data<bool>().ToArray();
        var withinSplit = new Dictionary<string, int>();
        for (var scene = 0; scene < scenes; scene++)
        {
            // Scenes are numbered within their split, as the data set numbers them (scene i lies on map i mod maps).
            var number = withinSplit[splits[scene]] = withinSplit.GetValueOrDefault(splits[scene], -1) + 1;
            for (var agent = 0; agent < agents; agent++)
            {
                var k = scene * agents + agent;
                if (present is not null && !present[k]) continue;
                var f = features.AsSpan(k * TrafficFeatures.Count, TrafficFeatures.Count);
                yield return new TrafficVehicleRow(splits[scene], number, (int)maps[scene], agent, f[TrafficFeatures.X], f[TrafficFeatures.Y],
                    f[TrafficFeatures.Length], f[TrafficFeatures.Width], Math.Atan2(f[TrafficFeatures.Sin], f[TrafficFeatures.Cos]),
                    f[TrafficFeatures.Speed], collision[k], offroad[k]);
            }
        }
    }

    public static void Write(string path, IEnumerable<TrafficVehicleRow> rows) => AtomicFile.Write(path, stream =>
    {
        var options = new CsvWriterOptions { FormatProvider = CultureInfo.InvariantCulture, NewLine = "\n" };
        using var text = new StreamWriter(stream, new UTF8Encoding(false), leaveOpen: true);
        using var csv = CsvWriter.Create(text, options, true);
        foreach (var name in Header) csv.WriteField(name);
        csv.EndRecord();
        foreach (var row in rows)
        {
            csv.WriteField(row.Split);
            foreach (var whole in new[] { row.Scene, row.Map, row.Agent }) csv.WriteField(whole.ToString(CultureInfo.InvariantCulture));
            foreach (var number in new[] { row.X, row.Y, row.Length, row.Width, row.Heading, row.Speed })
                csv.WriteField(number.ToString("R", CultureInfo.InvariantCulture));
            csv.WriteField(row.Collision ? "1" : "0");
            csv.WriteField(row.Offroad ? "1" : "0");
            csv.EndRecord();
        }
    });

    public static IReadOnlyList<TrafficVehicleRow> Read(string path)
    {
        if (!File.Exists(path)) throw new GenNegException($"scenes file '{path}' not found");
        using var csv = CsvReader.FromFile(path, new CsvReaderOptions { HasHeader = true }, FileOptions.SequentialScan);
        var rows = new List<TrafficVehicleRow>();
        var culture = CultureInfo.InvariantCulture;
        while (csv.Read())
        {
            int Whole(string name) => int.Parse(csv.GetString(csv.GetFieldIndex(name)), culture);
            double Number(string name) => double.Parse(csv.GetString(csv.GetFieldIndex(name)), culture);
            bool Flag(string name) => csv.GetString(csv.GetFieldIndex(name)) == "1";
            rows.Add(new TrafficVehicleRow(csv.GetString(csv.GetFieldIndex("split")), Whole("scene"), Whole("map"), Whole("agent"),
                Number("x"), Number("y"), Number("length"), Number("width"), Number("heading"), Number("speed"), Flag("collision"), Flag("offroad")));
        }
        return rows;
    }
}
