using System.Text;
using GenNeg.Configuration;
using GenNeg.Data;
using GenNeg.Domains.Motion;
using GenNeg.Domains.Motion.Files;

namespace GenNeg.Tests.Motion;

/// <summary>The .npy reader against NumPy's format rules, and users' sequence folders.</summary>
public class MotionFileTests
{
    /// <summary>
    /// The bytes numpy.save writes for np.arange(6, dtype='&lt;f4').reshape(2, 3) (NumPy 1.26, format 1.0): the header
    /// padded with spaces to 128 bytes in all, ending in a newline, then the values in C order.
    /// </summary>
    private static byte[] NumpySaved()
    {
        var dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
        var header = dict + new string(' ', 128 - 10 - dict.Length - 1) + "\n";
        var bytes = new List<byte> { 0x93 };
        bytes.AddRange(Encoding.ASCII.GetBytes("NUMPY"));
        bytes.AddRange([1, 0, (byte)header.Length, 0]);
        bytes.AddRange(Encoding.ASCII.GetBytes(header));
        foreach (var v in new float[] { 0, 1, 2, 3, 4, 5 }) bytes.AddRange(BitConverter.GetBytes(v));
        return bytes.ToArray();
    }

    [Fact]
    public void Reads_what_numpy_writes_and_writes_the_same_bytes()
    {
        var array = NpyFile.Parse(NumpySaved(), "a.npy");
        Assert.Equal([2L, 3], array.Shape);
        Assert.Equal([0f, 1, 2, 3, 4, 5], array.Values);
        Assert.Equal(NumpySaved(), NpyFile.Format([2, 3], array.Values));
        Assert.Equal(0, (NpyFile.Format([2, 3], array.Values).Length - 24) % 64);
    }

    [Fact]
    public void Reads_float64_and_format_version_2_and_round_trips_a_sequence()
    {
        var dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }";
        var header = dict + new string(' ', 128 - 12 - dict.Length - 1) + "\n";
        var bytes = new List<byte> { 0x93 };
        bytes.AddRange(Encoding.ASCII.GetBytes("NUMPY"));
        bytes.AddRange([2, 0, (byte)header.Length, 0, 0, 0]);
        bytes.AddRange(Encoding.ASCII.GetBytes(header));
        foreach (var v in new[] { 0.5, -1.25, 3e-3 }) bytes.AddRange(BitConverter.GetBytes(v));
        Assert.Equal([0.5f, -1.25f, 3e-3f], NpyFile.Parse(bytes.ToArray(), "b.npy").Values);

        var values = Enumerable.Range(0, 4 * 22 * 3).Select(i => i * 0.01f).ToArray();
        var back = NpyFile.Parse(NpyFile.Format([4, 22, 3], values), "c.npy");
        Assert.Equal([4L, 22, 3], back.Shape);
        Assert.Equal(values, back.Values);
    }

    [Theory]
    [InlineData("magic", "does not start with the magic")]
    [InlineData("dtype", "dtype '>f4' is not little-endian float32")]
    [InlineData("fortran", "it is in Fortran order")]
    [InlineData("truncated", "needs 24 bytes of data, the file holds 20")]
    [InlineData("header", "the header is not a dict")]
    public void Refuses_a_malformed_file_in_one_line(string defect, string expected)
    {
        var text = Encoding.Latin1.GetString(NumpySaved());
        var bytes = defect switch
        {
            "magic" => Encoding.Latin1.GetBytes("PK" + text[2..]),
            "dtype" => Encoding.Latin1.GetBytes(text.Replace("'<f4'", "'>f4'")),
            "fortran" => Encoding.Latin1.GetBytes(text.Replace("False", "True ")),
            "truncated" => NumpySaved()[..^4],
            _ => Encoding.Latin1.GetBytes(text.Replace("'shape'", "'shope'")),
        };
        var error = Assert.Throws<GenNegException>(() => NpyFile.Parse(bytes, "bad.npy"));
        Assert.StartsWith("'bad.npy' is not a readable .npy file: ", error.Message);
        Assert.Contains(expected, error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void A_sequence_folder_is_cropped_or_padded_labelled_and_split()
    {
        using var folder = new TempFolder();
        var lengths = new[] { 5, 12, 8, 3, 10 };
        var labels = new[] { "sit", "kick", "sit", "kick", "sit" };
        for (var i = 0; i < lengths.Length; i++)
        {
            var values = Enumerable.Range(0, lengths[i] * 22 * 3).Select(k => 0.1f + k / (22 * 3) * 0.01f + i).ToArray();
            File.WriteAllBytes(folder.Combine($"m{i}.npy"), NpyFile.Format([lengths[i], 22, 3], values));
        }
        File.WriteAllLines(folder.Combine("labels.csv"), new[] { "file,label" }.Concat(labels.Select((l, i) => $"m{i}.npy,{l}")));

        var loaded = MotionSequenceFolder.Load(folder.Path, frames: 8);
        Assert.Equal(["kick", "sit"], loaded.ActionNames);
        Assert.Equal([1L, 0, 1, 0, 1], loaded.Actions);
        Assert.Equal(22, loaded.Joints);
        float At(int sequence, int frame) => loaded.Positions[(sequence * 8 + frame) * 66];
        Assert.Equal(0.1f + 4 * 0.01f, At(0, 7), 5);        // 5 frames: the last one repeated
        Assert.Equal(1.1f + 7 * 0.01f, At(1, 7), 5);        // 12 frames: the first 8 kept

        var config = TestConfig.Parse($"data: {{ name: motion, motion: {{ frames: 8, sequences: '{folder.Path}', validation_fraction: 0.4 }} }}\noracle: ground_penetration");
        using var data = new MotionDataSet().Load(config.Data);
        Assert.Equal([3L, 8, 66], data.Train.shape);
        Assert.Equal([2L, 8, 66], data.Validation.shape);
        Assert.Equal([2L, 2], data.ValidationCondition[MotionDataSet.ActionKey].shape);

        File.WriteAllBytes(folder.Combine("m3.npy"), NpyFile.Format([3, 21, 3], new float[3 * 21 * 3]));
        var error = Assert.Throws<GenNegException>(() => MotionSequenceFolder.Load(folder.Path, 8));
        Assert.Contains("m3.npy' has 21 joints, the files before it 22", error.Message);
    }
}
