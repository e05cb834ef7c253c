using System.Globalization;
using GenNeg.Data;
using GenNeg.Domains.Motion.Oracle;
using GenNeg.Oracles;
using SkiaSharp;
using static TorchSharp.torch;

namespace GenNeg.Domains.Motion.Pictures;

/// <summary>
/// The motion picture: one row per sample (those with penetrating frames first, up to half the rows, then valid ones),
/// each a strip of stick figures at evenly spaced frames seen from the side (the figure's left, looking along its
/// first frame's right-to-left hip axis), all at one scale, with the floor line. A penetrating frame gets a red panel
/// and its joints below the floor red dots; a row's worst frame is always among those shown. Left limbs blue, right
/// limbs orange.
/// </summary>
public static class MotionStrip
{
    private const int FramesShown = 8;
    private const int PanelWidth = 120;
    private const int PanelHeight = 190;
    private const int LabelWidth = 150;
    private const int HeaderHeight = 60;
    /// <summary>Pixels per metre; a 1.9 m figure fills the panel with room for a jump.</summary>
    private const float Scale = 72;

    public static byte[] RenderPng(MotionWorld world, Tensor metres, long[] actions, OracleVerdict verdict, string title, int maxSamples = 8)
    {
        var (count, frames) = ((int)metres.shape[0], (int)metres.shape[1]);
        var positions = metres.to(ScalarType.Float32).contiguous().data<float>().ToArray();
        using var penetratingTensor = verdict.Infractions[GroundPenetrationOracle.Reason].cpu().contiguous();
        var penetrating = penetratingTensor.data<bool>().ToArray();
        bool Infracts(int s) => Enumerable.Range(0, frames).Any(f => penetrating[s * frames + f]);
        var infracting = Enumerable.Range(0, count).Where(Infracts).ToList();
        var shown = infracting.Take(maxSamples / 2).Concat(Enumerable.Range(0, count).Where(s => !Infracts(s))).Take(maxSamples).ToList();
        shown.AddRange(infracting.Skip(maxSamples / 2).Take(maxSamples - shown.Count));

        var width = LabelWidth + FramesShown * PanelWidth;
        using var surface = SKSurface.Create(new SKImageInfo(width, HeaderHeight + Math.Max(shown.Count, 1) * PanelHeight));
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        using var typeface = SKTypeface.FromFamilyName(ScottPlot.Fonts.Default, SKFontStyle.Bold);
        using var titleFont = new SKFont(typeface, 18);
        using var font = new SKFont(typeface, 12);
        using var ink = new SKPaint { Color = SKColors.Black, IsAntialias = true };
        var rates = VerdictRate.Of(verdict)[0];
        canvas.DrawText($"{title}: {count:N0} motions", width / 2f, 24, SKTextAlign.Center, titleFont, ink);
        canvas.DrawText(string.Create(CultureInfo.InvariantCulture,
            $"ground penetration: {100 * rates.PerSample:F2} % of motions, {100 * rates.PerElement:F2} % of frames (tolerance {1000 * world.FloorTolerance:0.##} mm)"),
            width / 2f, 46, SKTextAlign.Center, font, ink);

        for (var row = 0; row < shown.Count; row++)
        {
            var s = shown[row];
            var top = HeaderHeight + row * PanelHeight;
            var sample = positions.AsSpan(s * frames * world.Joints * 3, frames * world.Joints * 3).ToArray();
            var bad = Enumerable.Range(0, frames).Count(f => penetrating[s * frames + f]);
            canvas.DrawText($"#{s} {world.Actions[(int)actions[s]]}", 8, top + 24, SKTextAlign.Left, font, ink);
            canvas.DrawText($"{bad}/{frames} frames", 8, top + 42, SKTextAlign.Left, font, ink);
            canvas.DrawText(bad > 0 ? "penetrate" : "clear", 8, top + 58, SKTextAlign.Left, font, ink);
            var view = SideView.Of(sample, world.Joints);
            var picked = PickFrames(sample, world.Joints, frames);
            for (var k = 0; k < picked.Length; k++)
            {
                var f = picked[k];
                var left = LabelWidth + k * PanelWidth;
                DrawFrame(canvas, font, sample, world.Joints, f, view, penetrating[s * frames + f], left, top, (float)world.FloorTolerance);
            }
        }
        using var image = surface.Snapshot();
        using var png = image.Encode(SKEncodedImageFormat.Png, 100);
        return png.ToArray();
    }

    /// <summary>Evenly spaced frames, with the lowest-reaching frame in place of the nearest of them.</summary>
    private static int[] PickFrames(float[] sample, int joints, int frames)
    {
        var shown = Math.Min(FramesShown, frames);
        var picked = Enumerable.Range(0, shown).Select(k => (int)((2L * k + 1) * frames / (2L * shown))).ToArray();
        var lowest = Enumerable.Range(0, frames).MinBy(f => Enumerable.Range(0, joints).Min(j => sample[(f * joints + j) * 3 + 1]));
        var nearest = Enumerable.Range(0, shown).MinBy(k => Math.Abs(picked[k] - lowest));
        picked[nearest] = lowest;
        return picked;
    }

    private static void DrawFrame(SKCanvas canvas, SKFont font, float[] sample, int joints, int frame, SideView view, bool penetrating, int left, int top, float tolerance)
    {
        var floorY = top + PanelHeight - 28f;
        canvas.Save();
        canvas.ClipRect(new SKRect(left, top, left + PanelWidth, top + PanelHeight));   // a wild sample stays in its panel
        using var panel = new SKPaint { Color = penetrating ? new SKColor(255, 225, 225) : new SKColor(246, 246, 246) };
        canvas.DrawRect(left + 2, top + 2, PanelWidth - 4, PanelHeight - 4, panel);
        using var floor = new SKPaint { Color = new SKColor(90, 70, 50), StrokeWidth = 2, IsAntialias = true };
        canvas.DrawLine(left + 2, floorY, left + PanelWidth - 2, floorY, floor);
        using var label = new SKPaint { Color = penetrating ? SKColors.DarkRed : SKColors.Gray, IsAntialias = true };
        canvas.DrawText($"frame {frame}", left + PanelWidth / 2f, top + PanelHeight - 10, SKTextAlign.Center, font, label);

        var rootU = view.Along(sample, joints, frame, 0);
        SKPoint Point(int j) => new(left + PanelWidth / 2f + Scale * (view.Along(sample, joints, frame, j) - rootU), floorY - Scale * sample[(frame * joints + j) * 3 + 1]);
        using var bone = new SKPaint { StrokeWidth = 3, IsAntialias = true, StrokeCap = SKStrokeCap.Round };
        foreach (var (child, parent) in Skeleton.BonesOf(joints))
        {
            bone.Color = Skeleton.JointNames[child].StartsWith("left", StringComparison.Ordinal) ? new SKColor(31, 119, 180)
                : Skeleton.JointNames[child].StartsWith("right", StringComparison.Ordinal) ? new SKColor(255, 127, 14) : new SKColor(60, 60, 60);
            canvas.DrawLine(Point(parent), Point(child), bone);
        }
        using var dot = new SKPaint { IsAntialias = true };
        for (var j = 0; j < joints; j++)
        {
            var below = sample[(frame * joints + j) * 3 + 1] < -tolerance;
            dot.Color = below ? SKColors.Red : new SKColor(40, 40, 40);
            var point = Point(j);
            // A joint far below the floor is marked at the panel's lower edge rather than clipped away.
            if (below) point.Y = Math.Min(point.Y, top + PanelHeight - 5f);
            canvas.DrawCircle(point, below ? 4.5f : 2f, dot);
        }
        canvas.Restore();
    }

    /// <summary>The horizontal axis of the side view: the direction the figure faces at its first frame (from its hips), else +z.</summary>
    private readonly record struct SideView(float X, float Z)
    {
        public static SideView Of(float[] sample, int joints, int hipsFrom = 0)
        {
            if (joints != Skeleton.JointCount) return new SideView(0, 1);
            float At(int j, int c) => sample[(hipsFrom * joints + j) * 3 + c];
            var (lx, lz) = (At(Skeleton.LeftHip, 0) - At(Skeleton.RightHip, 0), At(Skeleton.LeftHip, 2) - At(Skeleton.RightHip, 2));
            var length = MathF.Sqrt(lx * lx + lz * lz);
            return length < 1e-6f ? new SideView(0, 1) : new SideView(-lz / length, lx / length);
        }

        public float Along(float[] sample, int joints, int frame, int joint) =>
            X * sample[(frame * joints + joint) * 3] + Z * sample[(frame * joints + joint) * 3 + 2];
    }
}
