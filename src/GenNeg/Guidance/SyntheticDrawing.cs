using GenNeg.Data;
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

/// <summary>What is drawn: samples of shape S, under conditions picked from a pool, labelled per element of shape E.</summary>
/// <param name="Conditions">the pool (the training split's conditions, on the drawing's device), or <see cref="Condition.None"/></param>
public sealed record DrawSource(long[] SampleShape, Condition Conditions, long[] ElementShape)
{
    public static DrawSource Unconditional(params long[] sampleShape) => new(sampleShape, Condition.None, []);

    /// <summary>An iteration draws its conditions from the training split (evaluation uses the held-out one).</summary>
    public static DrawSource Training(DataSplit data) => new(data.SampleShape, data.TrainCondition, data.ElementShape);
}

/// <summary>Where drawing is: samples drawn, how many were valid and invalid, and the targets (N each, or the budget).</summary>
public readonly record struct DrawProgress(long Drawn, long Positives, long Negatives, int PerClass, long MaxDraws);

/// <summary>
/// Samples drawn from the current model and labelled by the oracle (Algorithm 1, lines 6-9). A sample is valid iff
/// all its elements are. Counts cover ALL draws, so <see cref="Alpha"/> is the model's true valid rate; the kept
/// samples (with their conditions and element labels) are at most N per class (balanced), or the first 2N draws
/// (imbalanced ablation).
/// </summary>
public sealed class SyntheticSet : IDisposable
{
    private const string Magic = "GENNEG-DRAWS-2";
    private const string EarlierMagic = "GENNEG-DRAWS-1";

    public SyntheticSet(LabelledSamples positives, LabelledSamples negatives, long drawn, long positivesDrawn, long negativesDrawn, bool complete)
    {
        Positives = positives;
        Negatives = negatives;
        Drawn = drawn;
        PositivesDrawn = positivesDrawn;
        NegativesDrawn = negativesDrawn;
        Complete = complete;
    }

    public LabelledSamples Positives { get; }
    public LabelledSamples Negatives { get; }
    public long Drawn { get; }
    public long PositivesDrawn { get; }
    public long NegativesDrawn { get; }
    public bool Complete { get; }

    /// <summary>alpha = positives drawn / all drawn (Algorithm 1, line 8).</summary>
    public double Alpha => Drawn == 0 ? double.NaN : (double)PositivesDrawn / Drawn;

    public void Save(string path, Generator generator)
    {
        FileChecksum.Write(path, stream =>
        {
            using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
            writer.Write(Magic);
            WriteBody(writer);
            using var state = generator.get_state();
            state.Save(writer);
        });
    }

    /// <summary>Reads a saved set onto the generator's device and restores the generator to where drawing stopped.</summary>
    public static SyntheticSet Load(string path, Generator generator)
    {
        FileChecksum.Verify(path, DamagedSetRemedy);
        try
        {
            using var reader = new BinaryReader(File.OpenRead(path));
            var magic = reader.ReadString();
            if (magic == EarlierMagic)
                throw new GenNegException($"'{path}' was written by an earlier GenNeg version (synthetic set format 1); delete it to draw the set again");
            if (magic != Magic) throw new GenNegException($"'{path}' is not a GenNeg synthetic data set");
            var set = ReadBody(reader, generator.device);
            using var state = TensorExtensionMethods.Load(reader);
            generator.set_state(state);
            return set;
        }
        catch (Exception e) when (e is EndOfStreamException or IOException or ArgumentException)
        {
            throw new GenNegException($"cannot read synthetic data set '{path}': {e.Message}");
        }
    }

    /// <summary>What to do about a damaged draws.bin: the iteration draws it again, or starts afresh.</summary>
    internal const string DamagedSetRemedy = "delete it to draw the set again, or drop the whole iteration with genneg iterate --discard";

    /// <summary>The counts and both classes, as draws.bin holds them after its magic (a weighted set's file too).</summary>
    internal void WriteBody(BinaryWriter writer)
    {
        writer.Write(Drawn);
        writer.Write(PositivesDrawn);
        writer.Write(NegativesDrawn);
        writer.Write(Complete);
        Positives.Save(writer);
        Negatives.Save(writer);
    }

    internal static SyntheticSet ReadBody(BinaryReader reader, Device device)
    {
        var drawn = reader.ReadInt64();
        var positivesDrawn = reader.ReadInt64();
        var negativesDrawn = reader.ReadInt64();
        var complete = reader.ReadBoolean();
        var positives = LabelledSamples.Load(reader, device);
        var negatives = LabelledSamples.Load(reader, device);
        return new SyntheticSet(positives, negatives, drawn, positivesDrawn, negativesDrawn, complete);
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
        ISampler sampler, IDenoiser model, IOracle oracle, DrawSource source, DrawSettings settings, Generator generator, string savePath,
        IProgress<DrawProgress>? progress = null, CancellationToken cancellation = default)
    {
        var set = File.Exists(savePath)
            ? SyntheticSet.Load(savePath, generator)
            : new SyntheticSet(LabelledSamples.Empty(source, generator.device), LabelledSamples.Empty(source, generator.device), 0, 0, 0, complete: false);
        progress?.Report(new DrawProgress(set.Drawn, set.PositivesDrawn, set.NegativesDrawn, settings.PerClass, settings.MaxDraws));

        while (!set.Complete)
        {
            cancellation.ThrowIfCancellationRequested();
            var next = set.Drawn >= settings.MaxDraws
                ? SettleForBudget(set, settings)
                : AddBatch(set, sampler, model, oracle, source, settings, generator);
            set.Dispose();
            set = next;
            NativeHeap.Trim();
            set.Save(savePath, generator);
            progress?.Report(new DrawProgress(set.Drawn, set.PositivesDrawn, set.NegativesDrawn, settings.PerClass, settings.MaxDraws));
        }
        return set;
    }

    /// <summary>The budget ran out: a smaller balanced set if the rarer class has enough samples, else a clear failure.</summary>
    internal static SyntheticSet SettleForBudget(SyntheticSet set, DrawSettings settings)
    {
        var rarer = Math.Min(set.Positives.Count, set.Negatives.Count);
        if (!settings.Balanced || rarer < settings.MinPerClass)
        {
            set.Dispose();
            throw new GenNegException(
                $"drew {set.Drawn:N0} samples and found {set.PositivesDrawn:N0} valid and {set.NegativesDrawn:N0} invalid, short of " +
                $"{settings.MinPerClass:N0} of each: the model almost never produces the rarer class; raise genneg.max_draws or lower genneg.min_per_class");
        }
        return new SyntheticSet(set.Positives.Take(rarer).Clone(), set.Negatives.Take(rarer).Clone(),
            set.Drawn, set.PositivesDrawn, set.NegativesDrawn, complete: true);
    }

    private static SyntheticSet AddBatch(
        SyntheticSet set, ISampler sampler, IDenoiser model, IOracle oracle, DrawSource source, DrawSettings settings, Generator generator)
    {
        using var scope = NewDisposeScope();
        var batch = Math.Min(settings.BatchSize, settings.MaxDraws - set.Drawn);
        var drawn = SamplerBatch.Draw(sampler, model, batch, source.SampleShape, source.Conditions, generator);
        var (labelled, valid) = Label(oracle, drawn, source.ElementShape);
        var next = AddLabelled(set, labelled, valid, settings);
        next.Positives.MoveToOuterDisposeScope();
        next.Negatives.MoveToOuterDisposeScope();
        return next;
    }

    /// <summary>
    /// The set after one more labelled batch: every draw counted, at most N per class kept (balanced), or the first 2N
    /// draws (imbalanced). Sharded drawing merges its blocks through this same step.
    /// </summary>
    internal static SyntheticSet AddLabelled(SyntheticSet set, LabelledSamples labelled, Tensor valid, DrawSettings settings)
    {
        using var scope = NewDisposeScope();
        var batch = labelled.Count;
        var newPositives = labelled.Select(valid.nonzero().squeeze(1));
        var newNegatives = labelled.Select(valid.logical_not().nonzero().squeeze(1));

        var positives = set.Positives.Append(newPositives);
        var negatives = set.Negatives.Append(newNegatives);
        var drawnCount = set.Drawn + batch;
        var positivesDrawn = set.PositivesDrawn + newPositives.Count;
        var negativesDrawn = set.NegativesDrawn + newNegatives.Count;
        bool complete;
        if (settings.Balanced)
        {
            // Keep at most N of each class, but count every draw for alpha.
            positives = positives.Take(Math.Min(positives.Count, settings.PerClass));
            negatives = negatives.Take(Math.Min(negatives.Count, settings.PerClass));
            complete = positives.Count == settings.PerClass && negatives.Count == settings.PerClass;
        }
        else
        {
            // The first 2N draws as they come: cut the last batch where it crosses 2N.
            var keep = 2L * settings.PerClass;
            if (drawnCount > keep)
            {
                var kept = labelled.Take(keep - set.Drawn);
                var keptValid = valid[..(int)(keep - set.Drawn)];
                positives = set.Positives.Append(kept.Select(keptValid.nonzero().squeeze(1)));
                negatives = set.Negatives.Append(kept.Select(keptValid.logical_not().nonzero().squeeze(1)));
                drawnCount = keep;
                positivesDrawn = set.PositivesDrawn + positives.Count - set.Positives.Count;
                negativesDrawn = set.NegativesDrawn + negatives.Count - set.Negatives.Count;
            }
            complete = drawnCount >= keep;
        }
        return new SyntheticSet(positives.Clone().MoveToOuterDisposeScope(), negatives.Clone().MoveToOuterDisposeScope(),
            drawnCount, positivesDrawn, negativesDrawn, complete);
    }

    /// <summary>
    /// The oracle's verdict on a batch as element labels [B, *E] and sample labels [B]. An oracle that labels whole
    /// samples gives every element its sample's label.
    /// </summary>
    public static (LabelledSamples Labelled, Tensor SampleValid) Label(IOracle oracle, DrawnSamples drawn, long[] elementShape)
    {
        var verdict = oracle.Judge(drawn.Samples, drawn.Condition);
        var batch = drawn.Samples.shape[0];
        long[] perElement = [batch, .. elementShape];
        var elementValid = verdict.Valid.shape.SequenceEqual(perElement)
            ? verdict.Valid
            : verdict.Valid.shape.SequenceEqual(new[] { batch })
                ? verdict.Valid.reshape([batch, .. elementShape.Select(_ => 1L)]).expand(perElement)
                : throw new GenNegException(
                    $"oracle '{oracle.Name}' returned labels of shape [{string.Join(", ", verdict.Valid.shape)}] for {batch} samples; " +
                    $"expected [{batch}] or [{string.Join(", ", perElement)}]");
        var sampleValid = verdict.SampleValid();
        return (new LabelledSamples(drawn.Samples, drawn.Condition, elementValid.to(ScalarType.Bool)), sampleValid);
    }
}
