using System.Globalization;
using System.Text;
using CsvHelper;
using static TorchSharp.torch;

namespace GenNeg.Runs;

/// <summary>
/// Samples as CSV: one row per sample, columns x0..x{D-1} and valid (the oracle's 1 or 0), then the samples'
/// condition numbers when they have any (named by the caller).
/// </summary>
public static class SampleCsv
{
    /// <param name="samples">[N, D]</param>
    /// <param name="valid">the oracle's verdict per sample</param>
    /// <param name="conditions">each sample's condition numbers [N, C] after valid, with their column names; null for none</param>
    public static void Write(string path, Tensor samples, bool[] valid, (Tensor Values, IReadOnlyList<string> Names)? conditions = null)
    {
        using var writer = SampleCsvWriter.Create(path, (int)samples.shape[1], conditions?.Names);
        writer.Append(samples, valid, conditions?.Values);
        writer.Commit();
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

/// <summary>
/// Writes sample rows batch by batch into a temporary file beside the target, renamed over it by <see cref="Commit"/>:
/// memory stays bounded however many samples there are, and an interrupted or failed export leaves no partial file.
/// Non-finite samples are refused: a CSV never holds NaN rows that look like data.
/// </summary>
public sealed class SampleCsvWriter : IDisposable
{
    private readonly string path;
    private readonly int dimension;
    private readonly int conditionColumns;
    private readonly Runs.AtomicFile.Output output;
    private readonly StreamWriter text;
    private readonly CsvWriter csv;
    private bool committed;

    private SampleCsvWriter(string path, int dimension, int conditionColumns, Runs.AtomicFile.Output output)
    {
        this.path = path;
        this.dimension = dimension;
        this.conditionColumns = conditionColumns;
        this.output = output;
        text = new StreamWriter(output.Stream, new UTF8Encoding(false), bufferSize: 1 << 16, leaveOpen: true);
        csv = CsvWriter.Create(text, new CsvWriterOptions { FormatProvider = CultureInfo.InvariantCulture, NewLine = "\n" }, true);
    }

    /// <summary>Opens the temporary file and writes the header (<paramref name="conditionNames"/>: columns after valid, or null).</summary>
    public static SampleCsvWriter Create(string path, int dimension, IReadOnlyList<string>? conditionNames = null)
    {
        var writer = new SampleCsvWriter(path, dimension, conditionNames?.Count ?? 0, Runs.AtomicFile.Open(path));
        writer.Guarded(() =>
        {
            for (var d = 0; d < dimension; d++) writer.csv.WriteField($"x{d}");
            writer.csv.WriteField("valid");
            foreach (var name in conditionNames ?? []) writer.csv.WriteField(name);
            writer.csv.EndRecord();
        });
        return writer;
    }

    /// <param name="samples">[B, D]</param>
    /// <param name="valid">the oracle's verdict per sample</param>
    /// <param name="conditions">[B, C] numbers after valid, as many as the header names; null when it names none</param>
    public void Append(Tensor samples, bool[] valid, Tensor? conditions = null)
    {
        var extra = conditions?.contiguous().to(ScalarType.Float32).data<float>().ToArray() ?? [];
        if (extra.Length != valid.Length * conditionColumns)
            throw new ArgumentException($"{conditionColumns} condition columns need {valid.Length * conditionColumns} numbers, got {extra.Length}", nameof(conditions));
        var values = samples.contiguous().to(ScalarType.Float32).data<float>().ToArray();
        var bad = Array.FindIndex(values, v => !float.IsFinite(v));
        if (bad >= 0)
            throw new GenNegException($"sample {bad / dimension:N0} of a batch is not finite ({values[bad]}); the model has probably diverged; " +
                $"nothing was written to '{path}'");
        Guarded(() =>
        {
            for (var i = 0; i < valid.Length; i++)
            {
                for (var d = 0; d < dimension; d++) csv.WriteField(values[i * dimension + d].ToString("R", CultureInfo.InvariantCulture));
                csv.WriteField(valid[i] ? "1" : "0");
                for (var c = 0; c < conditionColumns; c++) csv.WriteField(extra[i * conditionColumns + c].ToString("R", CultureInfo.InvariantCulture));
                csv.EndRecord();
            }
        });
    }

    /// <summary>Flushes and makes the file take effect (see <see cref="Runs.AtomicFile.Open"/>).</summary>
    public void Commit()
    {
        Guarded(() =>
        {
            csv.Flush();
            text.Flush();
        });
        output.Commit();
        committed = true;
    }

    private void Guarded(Action write) => output.Guarded(write);

    public void Dispose()
    {
        if (committed) return;
        try
        {
            csv.Dispose();
            text.Dispose();
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // A full disk: the file is deleted below anyway.
        }
        output.Dispose();
    }
}
