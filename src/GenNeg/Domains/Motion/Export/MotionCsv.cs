using System.Globalization;
using System.Text;
using GenNeg.Data;
using GenNeg.Domains.Motion.Oracle;
using GenNeg.Oracles;
using GenNeg.Runs;
using static TorchSharp.torch;

namespace GenNeg.Domains.Motion.Export;

/// <summary>
/// Motions as CSV, one row per frame: split, sample, action, frame, penetrating (1 or 0), then x, y, z of every joint
/// in metres (columns named after the joints when the skeleton is the built-in one, j0_x, ... otherwise). Numbers in
/// round-trip form.
/// </summary>
public static class MotionCsv
{
    public static void Write(string path, IReadOnlyList<string> splits, MotionWorld world, Tensor metres, long[] actions, OracleVerdict verdict)
    {
        var (samples, frames, width) = ((int)metres.shape[0], (int)metres.shape[1], (int)metres.shape[2]);
        var values = metres.to(ScalarType.Float32).contiguous().data<float>().ToArray();
        using var penetratingTensor = verdict.Infractions[GroundPenetrationOracle.Reason].cpu().contiguous();
        var penetrating = penetratingTensor.data<bool>().ToArray();
        var names = world.Joints == Skeleton.JointCount ? Skeleton.JointNames : Enumerable.Range(0, world.Joints).Select(j => $"j{j}").ToArray();
        AtomicFile.Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, new UTF8Encoding(false), leaveOpen: true);
            writer.WriteLine(string.Join(",", new[] { "split", "sample", "action", "frame", "penetrating" }.Concat(names.SelectMany(n => new[] { $"{n}_x", $"{n}_y", $"{n}_z" }))));
            var line = new StringBuilder();
            for (var s = 0; s < samples; s++)
                for (var f = 0; f < frames; f++)
                {
                    line.Clear();
                    line.Append(splits[s]).Append(',').Append(s).Append(',').Append(world.Actions[(int)actions[s]]).Append(',').Append(f).Append(',')
                        .Append(penetrating[s * frames + f] ? '1' : '0');
                    var start = (s * frames + f) * width;
                    for (var k = 0; k < width; k++) line.Append(',').Append(values[start + k].ToString("R", CultureInfo.InvariantCulture));
                    writer.WriteLine(line);
                }
        });
    }
}
