using GenNeg.Data;
using GenNeg.Domains.Motion.Files;

namespace GenNeg.Tests;

/// <summary>Users' data files that are well formed but unusable are refused at load, naming the file.</summary>
public class InputFileTests
{
    /// <summary>A folder of <paramref name="count"/> short 22-joint sequences and their labels.csv.</summary>
    private static void WriteSequences(TempFolder folder, int count, Func<int, float[]>? values = null)
    {
        for (var i = 0; i < count; i++)
            File.WriteAllBytes(folder.Combine($"m{i}.npy"), NpyFile.Format([4, 22, 3], values?.Invoke(i) ?? Enumerable.Range(0, 4 * 22 * 3).Select(k => 0.1f + k * 1e-3f).ToArray()));
        File.WriteAllLines(folder.Combine("labels.csv"), new[] { "file,label" }.Concat(Enumerable.Range(0, count).Select(i => $"m{i}.npy,{(i % 2 == 0 ? "sit" : "kick")}")));
    }

    [Theory]
    [InlineData(new[] { 4611686018427387905L, 1, 3 }, 3)]  // count * 4 bytes overflows a long
    [InlineData(new[] { 4611686018427387904L }, 0)]         // count * 4 bytes wraps around to exactly 0
    public void A_shape_too_large_to_count_is_a_size_mismatch(long[] shape, int values)
    {
        var error = Assert.Throws<GenNegException>(() => NpyFile.Parse(NpyFile.Format(shape, new float[values]), "huge.npy"));
        Assert.Equal($"'huge.npy' is not a readable .npy file: shape ({string.Join(", ", shape)}) needs more than {long.MaxValue} bytes of data, the file holds {4 * values}",
            error.Message);
    }

    [Theory]
    [InlineData(float.NaN, "NaN")]
    [InlineData(float.PositiveInfinity, "+Infinity")]
    public void A_non_finite_position_is_refused_naming_the_file(float value, string shown)
    {
        using var folder = new TempFolder();
        WriteSequences(folder, 4, i =>
        {
            var values = new float[4 * 22 * 3];
            if (i == 2) values[(1 * 22 + 5) * 3 + 1] = value;   // frame 1, joint 5, y
            return values;
        });
        var error = Assert.Throws<GenNegException>(() => MotionSequenceFolder.Load(folder.Path, frames: 4));
        Assert.Equal($"'{folder.Combine("m2.npy")}' holds a non-finite position ({shown}) at frame 1, joint 5; every joint coordinate must be a finite number",
            error.Message);
    }

    [Fact]
    public void A_non_finite_sequence_file_stops_data_preview_with_one_line()
    {
        using var folder = new TempFolder();
        var sequences = folder.Combine("npy");
        Directory.CreateDirectory(sequences);
        using (var npy = new TempFolder())
        {
            WriteSequences(npy, 4, i => Enumerable.Repeat(i == 0 ? float.NaN : 0.5f, 4 * 22 * 3).ToArray());
            foreach (var file in Directory.GetFiles(npy.Path)) File.Copy(file, Path.Combine(sequences, Path.GetFileName(file)));
        }
        var config = folder.Combine("motion.yaml");
        File.WriteAllText(config, $"oracle: ground_penetration\ndata: {{ name: motion, motion: {{ frames: 4, sequences: '{sequences}' }} }}\n");
        var (code, _, error) = ReliabilityTests.Cli("data", "preview", "-c", config, "-o", folder.Combine("m.png"));
        Assert.Equal(2, code);
        Assert.Equal($"error: '{Path.Combine(sequences, "m0.npy")}' holds a non-finite position (NaN) at frame 0, joint 0; every joint coordinate must be a finite number",
            ReliabilityTests.ErrorLine(error));
        Assert.False(File.Exists(folder.Combine("m.png")));
    }

    [Fact]
    public void A_sequence_listed_twice_is_refused_naming_it()
    {
        using var folder = new TempFolder();
        WriteSequences(folder, 3);
        File.AppendAllLines(folder.Combine("labels.csv"), ["./m1.npy,kick"]);
        var error = Assert.Throws<GenNegException>(() => MotionSequenceFolder.Load(folder.Path, frames: 4));
        Assert.Equal($"'{folder.Combine("labels.csv")}' lists 'm1.npy' 2 times; list each sequence once", error.Message);
    }
}
