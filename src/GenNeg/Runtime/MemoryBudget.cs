using GenNeg.Configuration;

namespace GenNeg.Runtime;

/// <summary>
/// Refuses sizes that cannot fit in this machine's memory before anything is allocated: libtorch would otherwise
/// spend minutes filling what it can and then fail with native stack frames.
/// </summary>
public static class MemoryBudget
{
    private const double BytesPerFloat = 4;

    /// <summary>Memory the process may still use: MemAvailable on Linux, else what the runtime reports.</summary>
    public static double AvailableBytes()
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

    public static void EnsureModelFits(ModelConfig model, int dimension) =>
        EnsureFits(MinimumModelBytes(model, dimension), $"a model with model.hidden = {model.Hidden:N0} and model.blocks = {model.Blocks}", "lower model.hidden");

    /// <summary>Refuses a sampler batch whose activations alone (a hidden-wide row per sample) exceed memory.</summary>
    public static void EnsureBatchFits(long batchSize, ModelConfig model, string batchKey) =>
        EnsureFits(BytesPerFloat * batchSize * Math.Max(model.Hidden, 1) * 4.0, $"a batch of {batchSize:N0} samples ({batchKey})", $"lower {batchKey}");

    private static void EnsureFits(double bytes, string what, string remedy)
    {
        var available = AvailableBytes();
        if (bytes > available)
            throw new GenNegException($"{what} needs at least {Gigabytes(bytes)} of memory, more than the {Gigabytes(available)} available; {remedy}");
    }

    private static string Gigabytes(double bytes) =>
        bytes >= 1e15 ? $"{bytes / 1e12:G3} TB" : $"{bytes / 1e9:0.#} GB";
}
