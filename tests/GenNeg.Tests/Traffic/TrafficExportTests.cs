using GenNeg.Data;
using GenNeg.Domains.Traffic;
using GenNeg.Domains.Traffic.Export;
using GenNeg.Domains.Traffic.Oracle;
using GenNeg.Domains.Traffic.Pictures;
using GenNeg.Oracles;
using SkiaSharp;
using static TorchSharp.torch;

namespace GenNeg.Tests.Traffic;

/// <summary>Scenes and maps written for other tools and read back; the picture.</summary>
[Collection(SmallTrafficData.Collection)]
public class TrafficExportTests(SmallTrafficData small)
{
    private (Tensor Normalised, Tensor MapIndex, OracleVerdict Verdict) JitteredSamples()
    {
        var (metres, mapIndex) = TrafficJitter.Apply(small, seed: 4);
        return (small.World.Scaling.Normalise(metres), mapIndex, new TrafficOracle(small.World).JudgeMetres(metres, mapIndex));
    }

    [Fact]
    public void ScenesCsvRoundTripsWithTheOraclesFlags()
    {
        using var folder = new TempFolder();
        using var scope = NewDisposeScope();
        var (normalised, _, verdict) = JitteredSamples();
        var path = folder.Combine("scenes.csv");
        new TrafficDataSet().WriteSamples(small.Data, IDataSet.Same("train", 300), normalised, small.Data.TrainCondition, verdict, path);

        Assert.Equal(string.Join(",", TrafficSceneCsv.Header), File.ReadLines(path).First());
        var read = TrafficSceneCsv.Read(path);
        using var metres = small.World.Scaling.Denormalise(normalised);
        var written = TrafficSceneCsv.Rows(IDataSet.Same("train", 300), metres, small.Data.TrainCondition[TrafficOracle.MapIndexKey], verdict).ToArray();
        Assert.Equal(300 * 12, read.Count);
        Assert.Equal(written, read);
        Assert.Equal(verdict.Infractions[TrafficOracle.Collision].sum().item<long>(), read.Count(r => r.Collision));
        Assert.Equal(verdict.Infractions[TrafficOracle.Offroad].sum().item<long>(), read.Count(r => r.Offroad));
        Assert.Equal((17, 7, 5), (read[17 * 12 + 5].Scene, read[17 * 12 + 5].Map, read[17 * 12 + 5].Agent));
        // Read back into features, the rows give the same verdict.
        var features = read.SelectMany(r => new[] { (float)r.X, (float)r.Y, (float)r.Length, (float)r.Width, (float)Math.Cos(r.Heading), (float)Math.Sin(r.Heading), (float)r.Speed }).ToArray();
        var again = new TrafficOracle(small.World).JudgeMetres(tensor(features).reshape(300, 12, 7), tensor(read.Where(r => r.Agent == 0).Select(r => (long)r.Map).ToArray()));
        Assert.Equal(verdict.Valid.data<bool>().ToArray(), again.Valid.data<bool>().ToArray());
    }

    [Fact]
    public void MapsGeoJsonRoundTripsBesideTheScenes()
    {
        using var folder = new TempFolder();
        using var scope = NewDisposeScope();
        var (normalised, _, verdict) = JitteredSamples();
        new TrafficDataSet().WriteSamples(small.Data, IDataSet.Same("train", 300), normalised, small.Data.TrainCondition, verdict, folder.Combine("scenes.csv"));

        var text = File.ReadAllText(folder.Combine("maps.geojson"));
        Assert.Contains("\"FeatureCollection\"", text);
        var maps = TrafficMapGeoJson.Read(folder.Combine("maps.geojson"));
        Assert.Equal(15, maps.Count);
        foreach (var (feature, map) in maps.Zip(small.World.Maps))
        {
            Assert.Equal((map.Index, map.Split, map.Kind.ToString()), (feature.Map, feature.Split, feature.Kind));
            // The writer orients rings as RFC 7946 asks (exterior counter-clockwise), so the normal forms are compared: same vertices, same rings.
            Assert.True(feature.DrivableArea.Normalized().EqualsExact(map.DrivableArea.Normalized(), 1e-9), $"map {map.Index} differs after the round trip");
            Assert.Contains(feature.DrivableArea.GeometryType, new[] { "Polygon", "MultiPolygon" });
        }
    }

    [Fact]
    public void PictureIsAPngWithTheSceneGridAndTheHeatMaps()
    {
        using var scope = NewDisposeScope();
        var (normalised, _, verdict) = JitteredSamples();
        var png = new TrafficDataSet().RenderSamples(small.Data, normalised, small.Data.TrainCondition, verdict, "jittered");
        using var bitmap = SKBitmap.Decode(png);
        Assert.Equal((1200, 70 + 3 * 300 + 540), (bitmap.Width, bitmap.Height));
        // Vehicles in all four colours appear somewhere: valid, collision, offroad, and both.
        var colours = new HashSet<SKColor>();
        for (var y = 0; y < bitmap.Height; y += 2)
            for (var x = 0; x < bitmap.Width; x += 2)
                colours.Add(bitmap.GetPixel(x, y));
        Assert.True(colours.Count > 50);
    }

    [Fact]
    public void A_heat_map_panel_with_no_infraction_of_its_kind_draws_on_the_shared_scale()
    {
        // Offroad vehicles but no collision: the collision panel is empty while the shared scale is positive.
        var empty = new double[32, 32];
        var plot = HeatMapPanel.Create(small.World.Maps[0], empty, scaleMaximum: 0.01, "collisions", colourBar: false);
        var png = plot.GetImageBytes(300, 300, ScottPlot.ImageFormat.Png);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
    }
}
