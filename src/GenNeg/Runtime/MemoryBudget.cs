using GenNeg.Configuration;

namespace GenNeg.Runtime;

/// <summary>
/// Refuses sizes that cannot fit in this machine's memory before anything is allocated: libtorch would otherwise
/// spend minutes filling what it can and then fail with native stack frames.
/// </summary>
public static class MemoryBudget
{
    private const double BytesPerFloat = 4;

    /// <summary>A cap below the machine's memory for the calling flow only, so a test can check a refusal cheaply.</summary>
    private static readonly AsyncLocal<double?> Cap = new();

    /// <summary>Until disposed, the calling flow (and work it starts) sees at most <paramref name="bytes"/> available.</summary>
    internal static IDisposable CapAt(double bytes)
    {
        var before = Cap.Value;
        Cap.Value = bytes;
        return new Restore(() => Cap.Value = before);
    }

    private sealed class Restore(Action restore) : IDisposable
    {
        public void Dispose() => restore();
    }

    /// <summary>Memory the process may still use: MemAvailable on Linux, else what the runtime reports.</summary>
    public static double AvailableBytes() => Math.Min(MachineAvailableBytes(), Cap.Value ?? double.PositiveInfinity);

    private static double MachineAvailableBytes()
    {
        try
        {
            var line = File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemAvailable:", StringComparison.Ordinal));
            if (line is not null && double.TryParse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], out var kilobytes))
                return kilobytes * 1024;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // No /proc: fall back on the runtime's figure.
        }
        return GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
    }

    /// <summary>
    /// A lower bound on the weights of the configured backbone: its hidden-by-hidden layers (one for the time
    /// conditioning, three per residual block) and the projections in and out.
    /// </summary>
    public static double MinimumModelBytes(ModelConfig model, int dimension)
    {
        double hidden = model.Hidden;
        return BytesPerFloat * hidden * ((1 + 3.0 * model.Blocks) * hidden + model.TimeEmbedding + 2.0 * dimension);
    }

    /// <summary>Refuses a model whose weights cannot fit, naming the key whose term of <see cref="MinimumModelBytes"/> is largest.</summary>
    public static void EnsureModelFits(ModelConfig model, int dimension)
    {
        var bytes = MinimumModelBytes(model, dimension);
        if ((double)model.TimeEmbedding > (1 + 3.0 * model.Blocks) * model.Hidden + 2.0 * dimension)
            EnsureFits(bytes, $"a model with model.time_embedding = {model.TimeEmbedding:N0} and model.hidden = {model.Hidden:N0}", "lower model.time_embedding");
        else
            EnsureFits(bytes, $"a model with model.hidden = {model.Hidden:N0} and model.blocks = {model.Blocks}", "lower model.hidden");
    }

    /// <summary>
    /// Refuses a sampler or training batch whose activations alone (a hidden-wide row per sample) exceed memory. The
    /// model's own lower bound is checked first, so a model too wide to fit is named as such rather than as its batch.
    /// </summary>
    public static void EnsureBatchFits(long batchSize, ModelConfig model, string batchKey)
    {
        EnsureModelFits(model, 0);
        EnsureFits(BytesPerFloat * batchSize * Math.Max(model.Hidden, 1) * 4.0, $"a batch of {batchSize:N0} samples ({batchKey})", $"lower {batchKey}");
    }

    /// <summary>
    /// Refuses keeping <paramref name="count"/> samples of <paramref name="sampleShape"/> with a condition row each (as
    /// <paramref name="conditions"/> holds them) when they cannot fit twice: the batches and their concatenation.
    /// </summary>
    public static void EnsureSamplesFit(long count, long[] sampleShape, Data.Condition conditions, string countName)
    {
        var sampleBytes = BytesPerFloat * sampleShape.Aggregate(1.0, (a, b) => a * b);
        var conditionBytes = conditions.Entries.Sum(e => e.Value.shape[0] == 0 ? 0 : (double)e.Value.NumberOfElements / e.Value.shape[0] * e.Value.ElementSize);
        EnsureFits(2.0 * count * (sampleBytes + conditionBytes), $"keeping {count:N0} samples in memory", $"lower {countName}");
    }

    /// <summary>
    /// Refuses <paramref name="bytes"/> that cannot fit: <paramref name="what"/> names what needs them (with its key),
    /// <paramref name="remedy"/> says which key to change, e.g. "lower data.train_size".
    /// </summary>
    public static void EnsureFits(double bytes, string what, string remedy)
    {
        var available = AvailableBytes();
        if (bytes > available)
            throw new GenNegException($"{what} needs at least {Gigabytes(bytes)} of memory, more than the {Gigabytes(available)} available; {remedy}");
    }

    private static string Gigabytes(double bytes) =>
        bytes >= 1e15 ? $"{bytes / 1e12:G3} TB" : bytes >= 1e9 ? $"{bytes / 1e9:0.#} GB" : $"{bytes / 1e6:0.#} MB";
}
