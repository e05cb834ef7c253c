using System.Globalization;
using System.Text;
using CsvHelper;
using GenNeg.Runs;
using static TorchSharp.torch;

namespace GenNeg.Reporting;

/// <summary>Samples as CSV: one row per sample, columns x0..x{D-1} and valid (the oracle's 1 or 0).</summary>
public static class SampleCsv
{
    /// <param name="samples">[N, D]</param>
    /// <param name="valid">the oracle's verdict per sample</param>
    public static void Write(string path, Tensor samples, bool[] valid)
    {
        var dimension = (int)samples.shape[1];
        var values = samples.contiguous().to(ScalarType.Float32).data<float>().ToArray();
        AtomicFile.Write(path, stream =>
        {
            var options = new CsvWriterOptions { FormatProvider = CultureInfo.InvariantCulture, NewLine = "\n" };
            using var text = new StreamWriter(stream, new UTF8Encoding(false), leaveOpen: true);
            using var csv = CsvWriter.Create(text, options, true);
            for (var d = 0; d < dimension; d++) csv.WriteField($"x{d}");
            csv.WriteField("valid");
            csv.EndRecord();
            for (var i = 0; i < valid.Length; i++)
            {
                for (var d = 0; d < dimension; d++) csv.WriteField(values[i * dimension + d].ToString("R", CultureInfo.InvariantCulture));
                csv.WriteField(valid[i] ? "1" : "0");
                csv.EndRecord();
            }
        });
    }

    /// <summary>Reads the first two coordinates and the verdict of each row (for 2-D plots).</summary>
    public static (double X, double Y, bool Valid)[] ReadPoints(string path)
    {
        if (!File.Exists(path)) throw new GenNegException($"samples file '{path}' is missing; evaluate the stage again");
        using var csv = CsvReader.FromFile(path, new CsvReaderOptions { HasHeader = true }, FileOptions.SequentialScan);
        var points = new List<(double, double, bool)>();
        while (csv.Read())
        {
            var x = csv.Parse<double>(0, CultureInfo.InvariantCulture);
            var y = csv.Parse<double>(1, CultureInfo.InvariantCulture);
            points.Add((x, y, csv.GetString(csv.GetFieldIndex("valid")) == "1"));
        }
        return points.ToArray();
    }
}
