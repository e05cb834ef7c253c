using System.Globalization;
using System.Text;
using CsvHelper;
using GenNeg.Runs;

namespace GenNeg.Reporting;

/// <summary>Samples as CSV: one row per sample, columns x0..x{D-1} and valid (the oracle's 1 or 0).</summary>
public static class SampleCsv
{
    public static void Write(string path, float[,] samples, bool[] valid)
    {
        AtomicFile.Write(path, stream =>
        {
            var options = new CsvWriterOptions { FormatProvider = CultureInfo.InvariantCulture, NewLine = "\n" };
            using var text = new StreamWriter(stream, new UTF8Encoding(false), leaveOpen: true);
            using var csv = CsvWriter.Create(text, options, true);
            var dimension = samples.GetLength(1);
            for (var d = 0; d < dimension; d++) csv.WriteField($"x{d}");
            csv.WriteField("valid");
            csv.EndRecord();
            for (var i = 0; i < samples.GetLength(0); i++)
            {
                for (var d = 0; d < dimension; d++) csv.WriteField(samples[i, d].ToString("R", CultureInfo.InvariantCulture));
                csv.WriteField(valid[i] ? "1" : "0");
                csv.EndRecord();
            }
        });
    }
}
