using GenNeg.Diffusion;
using GenNeg.Oracles;
using GenNeg.Runs;
using GenNeg.Runtime;
using GenNeg.Sampling;
using TorchSharp;
using static TorchSharp.torch;

namespace GenNeg.Guidance;

/// <param name="PerClass">N: how many of each class the classifier's data set holds</param>
/// <param name="BatchSize">samples per sampler call</param>
/// <param name="MaxDraws">the draw budget: when it runs out short of N of each class, drawing settles for a balanced set
/// of the rarer class's count if that reaches <paramref name="MinPerClass"/>, and fails otherwise</param>
/// <param name="Balanced">true: keep drawing until N of each class (the method); false: keep the first 2N draws as they come</param>
/// <param name="MinPerClass">the smallest balanced set accepted when the budget runs out</param>
public sealed record DrawSettings(int PerClass, int BatchSize, long MaxDraws, bool Balanced, int MinPerClass = 1);

/// <summary>Where drawing is: samples drawn, how many were valid and invalid, and the targets (N each, or the budget).</summary>
public readonly record struct DrawProgress(long Drawn, long Positives, long Negatives, int PerClass, long MaxDraws);

/// <summary>
/// Samples drawn from the current model and labelled by the oracle (Algorithm 1, lines 6-9). Counts cover ALL draws,
/// so <see cref="Alpha"/> is the model's true valid rate; the kept samples are at most N per class (balanced), or the
/// first 2N draws (imbalanced ablation).
/// </summary>
public sealed class SyntheticSet : IDisposable
{
    private const string Magic = "GENNEG-DRAWS-1";

    public SyntheticSet(Tensor positives, Tensor negatives, long drawn, long positivesDrawn, long negativesDrawn, bool complete)
    {
        Positives = positives;
        Negatives = negatives;
        Drawn = drawn;
        PositivesDrawn = positivesDrawn;
        NegativesDrawn = negativesDrawn;
        Complete = complete;
    }

    public Tensor Positives { get; }
    public Tensor Negatives { get; }
    public long Drawn { get; }
    public long PositivesDrawn { get; }
    public long NegativesDrawn { get; }
    public bool Complete { get; }

    /// <summary>alpha = positives drawn / all drawn (Algorithm 1, line 8).</summary>
    public double Alpha => Drawn == 0 ? double.NaN : (double)PositivesDrawn / Drawn;

    public void Save(string path, Generator generator)
    {
        AtomicFile.Write(path, stream =>
        {
            using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
            writer.Write(Magic);
            writer.Write(Drawn);
            writer.Write(PositivesDrawn);
            writer.Write(NegativesDrawn);
            writer.Write(Complete);
            Positives.Save(writer);
            Negatives.Save(writer);
            using var state = generator.get_state();
            state.Save(writer);
        });
    }

    /// <summary>Reads a saved set and restores the generator to where drawing stopped.</summary>
    public static SyntheticSet Load(string path, Generator generator)
    {
        try
        {
            using var reader = new BinaryReader(File.OpenRead(path));
            if (reader.ReadString() != Magic) throw new GenNegException($"'{path}' is not a GenNeg synthetic data set");
            var drawn = reader.ReadInt64();
            var positivesDrawn = reader.ReadInt64();
            var negativesDrawn = reader.ReadInt64();
            var complete = reader.ReadBoolean();
            var positives = TensorExtensionMethods.Load(reader);
            var negatives = TensorExtensionMethods.Load(reader);
            using var state = TensorExtensionMethods.Load(reader);
            generator.set_state(state);
            return new SyntheticSet(positives, negatives, drawn, positivesDrawn, negativesDrawn, complete);
        }
        catch (Exception e) when (e is EndOfStreamException or IOException or ArgumentException)
        {
            throw new GenNegException($"cannot read synthetic data set '{path}': {e.Message}");
        }
    }

    public void Dispose()
    {
        Positives.Dispose();
        Negatives.Dispose();
    }
}

/// <summary>Draws and labels samples until the data set is complete, saving after every batch so it can resume.</summary>
public static class SyntheticDrawing
{
    public static SyntheticSet Draw(
        ISampler sampler, IDenoiser model, IOracle oracle, int dimension, DrawSettings settings, Generator generator, string savePath,
        IProgress<DrawProgress>? progress = null, CancellationToken cancellation = default)
    {
        var set = File.Exists(savePath)
            ? SyntheticSet.Load(savePath, generator)
            : new SyntheticSet(empty(0, dimension), empty(0, dimension), 0, 0, 0, complete: false);
        progress?.Report(new DrawProgress(set.Drawn, set.PositivesDrawn, set.NegativesDrawn, settings.PerClass, settings.MaxDraws));

        while (!set.Complete)
        {
            cancellation.ThrowIfCancellationRequested();
            var next = set.Drawn >= settings.MaxDraws
                ? SettleForBudget(set, settings)
                : AddBatch(set, sampler, model, oracle, dimension, settings, generator);
            set.Dispose();
            set = next;
            NativeHeap.Trim();
            set.Save(savePath, generator);
            progress?.Report(new DrawProgress(set.Drawn, set.PositivesDrawn, set.NegativesDrawn, settings.PerClass, settings.MaxDraws));
        }
        return set;
    }

    /// <summary>The budget ran out: a smaller balanced set if the rarer class has enough samples, else a clear failure.</summary>
    private static SyntheticSet SettleForBudget(SyntheticSet set, DrawSettings settings)
    {
        var rarer = Math.Min(set.Positives.shape[0], set.Negatives.shape[0]);
        if (!settings.Balanced || rarer < settings.MinPerClass)
        {
            set.Dispose();
            throw new GenNegException(
                $"drew {set.Drawn:N0} samples and found {set.PositivesDrawn:N0} valid and {set.NegativesDrawn:N0} invalid, short of " +
                $"{settings.MinPerClass:N0} of each: the model almost never produces the rarer class; raise genneg.max_draws or lower genneg.min_per_class");
        }
        return new SyntheticSet(set.Positives[..(int)rarer].clone(), set.Negatives[..(int)rarer].clone(),
            set.Drawn, set.PositivesDrawn, set.NegativesDrawn, complete: true);
    }

    private static SyntheticSet AddBatch(SyntheticSet set, ISampler sampler, IDenoiser model, IOracle oracle, int dimension, DrawSettings settings, Generator generator)
    {
        using var scope = NewDisposeScope();
        var batch = Math.Min(settings.BatchSize, settings.MaxDraws - set.Drawn);
        var samples = sampler.Sample(model, randn([batch, dimension], generator: generator), generator);
        var valid = oracle.IsValid(samples);
        var newPositives = samples.index_select(0, valid.nonzero().squeeze(1));
        var newNegatives = samples.index_select(0, valid.logical_not().nonzero().squeeze(1));

        var positives = cat([set.Positives, newPositives], 0);
        var negatives = cat([set.Negatives, newNegatives], 0);
        var drawn = set.Drawn + batch;
        var positivesDrawn = set.PositivesDrawn + newPositives.shape[0];
        var negativesDrawn = set.NegativesDrawn + newNegatives.shape[0];
        bool complete;
        if (settings.Balanced)
        {
            // Keep at most N of each class, but count every draw for alpha.
            positives = positives[..(int)Math.Min(positives.shape[0], settings.PerClass)];
            negatives = negatives[..(int)Math.Min(negatives.shape[0], settings.PerClass)];
            complete = positives.shape[0] == settings.PerClass && negatives.shape[0] == settings.PerClass;
        }
        else
        {
            // The first 2N draws as they come: cut the last batch where it crosses 2N.
            var keep = 2L * settings.PerClass;
            if (drawn > keep)
            {
                var kept = (int)(keep - set.Drawn);
                var keptValid = valid[..kept];
                positives = cat([set.Positives, samples[..kept].index_select(0, keptValid.nonzero().squeeze(1))], 0);
                negatives = cat([set.Negatives, samples[..kept].index_select(0, keptValid.logical_not().nonzero().squeeze(1))], 0);
                drawn = keep;
                positivesDrawn = set.PositivesDrawn + positives.shape[0] - set.Positives.shape[0];
                negativesDrawn = set.NegativesDrawn + negatives.shape[0] - set.Negatives.shape[0];
            }
            complete = drawn >= keep;
        }
        return new SyntheticSet(positives.MoveToOuterDisposeScope(), negatives.MoveToOuterDisposeScope(), drawn, positivesDrawn, negativesDrawn, complete);
    }
}
