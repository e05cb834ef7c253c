using System.Globalization;
using GenNeg.Data;
using GenNeg.Domains.Traffic.Shapes;
using GenNeg.Domains.Traffic.Oracle;
using GenNeg.Domains.Traffic.Scenes;
using GenNeg.Oracles;
using ScottPlot;
using SkiaSharp;
using static TorchSharp.torch;

namespace GenNeg.Domains.Traffic.Pictures;

/// <summary>
/// The traffic picture, after the paper's Figure 1: a header with the infraction rates, a grid of scenes (those with
/// infractions first, up to half the grid, then valid ones, each group in sample order), and below it the infractions
/// per unit area on the map with the most infracting vehicles, collision and offroad apart on one colour scale (Figure 10).
/// </summary>
public static class TrafficFigure
{
    private const int Columns = 4;
    private const int TilePixels = 300;
    private const int HeaderPixels = 70;
    private const int HeatPixels = 540;
    /// <summary>Side of the heat map's cells in metres.</summary>
    public const double CellSize = 2;

    /// <param name="agentMask">[B, A], false for padding (not drawn, not counted); null when every row is a vehicle</param>
    public static byte[] RenderPng(TrafficWorld world, Tensor metres, Tensor mapIndex, OracleVerdict verdict, string title, int maxScenes = 12, Tensor? agentMask = null)
    {
        var scenes = SceneData.Read(metres, mapIndex, verdict, agentMask);
        var shown = PickScenes(scenes, maxScenes);
        var rows = (shown.Count + Columns - 1) / Columns;
        var width = Columns * TilePixels;
        var height = HeaderPixels + rows * TilePixels + HeatPixels;
        using var surface = SKSurface.Create(new SKImageInfo(width, height));
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        DrawHeader(canvas, title, VerdictRate.Of(verdict, agentMask), width);
        for (var k = 0; k < shown.Count; k++)
        {
            var scene = scenes[shown[k]];
            var tile = SceneTile.Create(world.Maps[scene.Map], scene.Vehicles, $"scene {shown[k]}, map {scene.Map} ({world.Maps[scene.Map].Kind})");
            if (k == 0) tile.ShowLegend(SceneTile.Legend(), Alignment.LowerLeft);
            Draw(canvas, tile, k % Columns * TilePixels, HeaderPixels + k / Columns * TilePixels, TilePixels, TilePixels);
        }
        DrawHeatMaps(canvas, world, scenes, 0, HeaderPixels + rows * TilePixels, width, HeatPixels);
        using var image = surface.Snapshot();
        using var png = image.Encode(SKEncodedImageFormat.Png, 100);
        return png.ToArray();
    }

    private static void DrawHeatMaps(SKCanvas canvas, TrafficWorld world, IReadOnlyList<SceneData> scenes, int left, int top, int width, int height)
    {
        var map = scenes.GroupBy(s => s.Map)
            .Select(g => (Map: g.Key, Infracting: g.Sum(s => s.Vehicles.Count(v => v.Status != VehicleStatus.Valid))))
            .OrderByDescending(g => g.Infracting).ThenBy(g => g.Map).Select(g => g.Map).FirstOrDefault();
        var onMap = scenes.Where(s => s.Map == map).ToArray();
        var half = world.Maps[map].OracleFrame.Half;
        double[,] Density(Func<VehicleStatus, bool> counted) => InfractionDensity.Compute(
            onMap.SelectMany(s => s.Vehicles.Where(v => counted(v.Status)).Select(v => (v.Box.X, v.Box.Y))), onMap.Length, half, CellSize);
        var collision = Density(s => s is VehicleStatus.Collision or VehicleStatus.Both);
        var offroad = Density(s => s is VehicleStatus.Offroad or VehicleStatus.Both);
        var maximum = Math.Max(collision.Cast<double>().Max(), offroad.Cast<double>().Max());
        var suffix = $"map {map} ({world.Maps[map].Kind}), {onMap.Length:N0} scenes, {CellSize:0} m cells";
        Draw(canvas, HeatMapPanel.Create(world.Maps[map], collision, maximum, $"collisions per m\u00b2 per scene\n{suffix}", colourBar: false),
            left, top, width / 2 - 60, height);
        Draw(canvas, HeatMapPanel.Create(world.Maps[map], offroad, maximum, $"offroad per m\u00b2 per scene\n{suffix}", colourBar: true),
            left + width / 2 - 60, top, width / 2 + 60, height);
    }

    private static void DrawHeader(SKCanvas canvas, string title, IReadOnlyList<VerdictRate> rates, int width)
    {
        var rateLine = string.Join("    ", rates.Select(r => string.Create(CultureInfo.InvariantCulture,
            $"{r.Reason} {100 * r.PerSample:F2} % of scenes ({100 * r.PerElement:F2} % of vehicles)")));
        using var typeface = SKTypeface.FromFamilyName(Fonts.Default, SKFontStyle.Bold);
        using var titleFont = new SKFont(typeface, 20);
        using var rateFont = new SKFont(typeface, 14);
        using var paint = new SKPaint { Color = SKColors.Black, IsAntialias = true };
        canvas.DrawText($"{title}: {rates[0].Samples:N0} scenes", width / 2f, 28, SKTextAlign.Center, titleFont, paint);
        canvas.DrawText(rateLine, width / 2f, 56, SKTextAlign.Center, rateFont, paint);
    }

    /// <summary>Up to half the grid from scenes with an infraction, the rest valid, then whatever remains.</summary>
    private static List<int> PickScenes(IReadOnlyList<SceneData> scenes, int maxScenes)
    {
        var infracting = Enumerable.Range(0, scenes.Count).Where(i => !scenes[i].Valid).ToList();
        var valid = Enumerable.Range(0, scenes.Count).Where(i => scenes[i].Valid).ToList();
        var picked = infracting.Take(maxScenes / 2).ToList();
        picked.AddRange(valid.Take(maxScenes - picked.Count));
        picked.AddRange(infracting.Skip(picked.Count(i => !scenes[i].Valid)).Take(maxScenes - picked.Count));
        return picked;
    }

    private static void Draw(SKCanvas canvas, Plot plot, int left, int top, int width, int height)
    {
        using var bitmap = SKBitmap.Decode(plot.GetImageBytes(width, height, ImageFormat.Png));
        canvas.DrawBitmap(bitmap, left, top);
    }

    private sealed record SceneData(int Map, IReadOnlyList<(OrientedBox Box, VehicleStatus Status)> Vehicles)
    {
        public bool Valid => Vehicles.All(v => v.Status == VehicleStatus.Valid);

        public static IReadOnlyList<SceneData> Read(Tensor metres, Tensor mapIndex, OracleVerdict verdict, Tensor? agentMask)
        {
            var (count, agents) = ((int)metres.shape[0], (int)metres.shape[1]);
            var features = metres.cpu().to(ScalarType.Float32).contiguous().data<float>().ToArray();
            var maps = mapIndex.cpu().to(ScalarType.Int64).data<long>().ToArray();
            var collision = verdict.Infractions[TrafficOracle.Collision].cpu().contiguous().data<bool>().ToArray();
            var offroad = verdict.Infractions[TrafficOracle.Offroad].cpu().contiguous().data<bool>().ToArray();
            var present = agentMask?.cpu().to(ScalarType.Bool).contiguous().data<bool>().ToArray();
            return Enumerable.Range(0, count).Select(scene => new SceneData((int)maps[scene], Enumerable.Range(0, agents)
                .Where(agent => present is null || present[scene * agents + agent]).Select(agent =>
            {
                var k = scene * agents + agent;
                var vehicle = TrafficFeatures.Read(features.AsSpan(k * TrafficFeatures.Count, TrafficFeatures.Count));
                return (vehicle.Box, VehicleColours.StatusOf(collision[k], offroad[k]));
            }).ToArray())).ToArray();
        }
    }
}
