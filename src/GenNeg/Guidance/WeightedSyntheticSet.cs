using GenNeg.Runs;
using TorchSharp;
using static TorchSharp.torch;

namespace GenNeg.Guidance;

/// <summary>
/// A balanced synthetic set drawn by sequential importance sampling: the kept samples (<see cref="Set"/>, with the
/// proposal's draw counts) and each kept sample's log weight, plus the log of the summed weights of ALL draws and of
/// the valid ones, whose ratio is the self-normalised alpha. Within a class, the normalised weights make the kept
/// samples' distribution the target's class-conditional one; Eq. 11's class weights then restore the prior.
/// </summary>
public sealed class WeightedSyntheticSet : IDisposable
{
    private const string Magic = "GENNEG-SIS-DRAWS-1";

    public WeightedSyntheticSet(SyntheticSet set, Tensor positiveLogWeights, Tensor negativeLogWeights, double logWeightTotal, double logWeightValid)
    {
        Set = set;
        PositiveLogWeights = positiveLogWeights;
        NegativeLogWeights = negativeLogWeights;
        LogWeightTotal = logWeightTotal;
        LogWeightValid = logWeightValid;
    }

    public SyntheticSet Set { get; }
    public Tensor PositiveLogWeights { get; }
    public Tensor NegativeLogWeights { get; }

    /// <summary>log sum of the weights of every draw so far.</summary>
    public double LogWeightTotal { get; }

    /// <summary>log sum of the weights of the valid draws so far.</summary>
    public double LogWeightValid { get; }

    /// <summary>alpha = sum_valid w / sum w: the target's valid rate, estimated from the proposal's draws.</summary>
    public double Alpha => Set.Drawn == 0 ? double.NaN : Math.Exp(LogWeightValid - LogWeightTotal);

    public double PositiveEss => SequentialImportanceSampling.EffectiveSampleSize(PositiveLogWeights);

    public double NegativeEss => SequentialImportanceSampling.EffectiveSampleSize(NegativeLogWeights);

    /// <summary>Per-example weights of the training set (positives, then negatives), each class normalised to mean 1, [n] float32.</summary>
    public Tensor ExampleWeights()
    {
        using var scope = NewDisposeScope();
        return cat([SequentialImportanceSampling.NormalisedWeights(PositiveLogWeights), SequentialImportanceSampling.NormalisedWeights(NegativeLogWeights)], 0)
            .MoveToOuterDisposeScope();
    }

    public static WeightedSyntheticSet Empty(DrawSource source, Device device) => new(
        new SyntheticSet(LabelledSamples.Empty(source, device), LabelledSamples.Empty(source, device), 0, 0, 0, complete: false),
        empty([0], dtype: ScalarType.Float64, device: device), empty([0], dtype: ScalarType.Float64, device: device),
        double.NegativeInfinity, double.NegativeInfinity);

    /// <summary>log(e^a + e^b), exact when either is -infinity.</summary>
    public static double LogAdd(double a, double b)
    {
        if (double.IsNegativeInfinity(a)) return b;
        if (double.IsNegativeInfinity(b)) return a;
        var high = Math.Max(a, b);
        return high + Math.Log(Math.Exp(a - high) + Math.Exp(b - high));
    }

    public void Save(string path, Generator generator)
    {
        FileChecksum.Write(path, stream =>
        {
            using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
            writer.Write(Magic);
            Set.WriteBody(writer);
            writer.Write(LogWeightTotal);
            writer.Write(LogWeightValid);
            using (var positives = PositiveLogWeights.cpu()) positives.Save(writer);
            using (var negatives = NegativeLogWeights.cpu()) negatives.Save(writer);
            using var state = generator.get_state();
            state.Save(writer);
        });
    }

    /// <summary>Reads a saved set onto the generator's device and restores the generator to where drawing stopped.</summary>
    public static WeightedSyntheticSet Load(string path, Generator generator)
    {
        FileChecksum.Verify(path, SyntheticSet.DamagedSetRemedy);
        try
        {
            using var reader = new BinaryReader(File.OpenRead(path));
            if (reader.ReadString() != Magic)
                throw new GenNegException($"'{path}' is not a synthetic data set drawn by sequential importance sampling (genneg.draw: sis)");
            var set = SyntheticSet.ReadBody(reader, generator.device);
            var logTotal = reader.ReadDouble();
            var logValid = reader.ReadDouble();
            var positiveLogWeights = TensorExtensionMethods.Load(reader).to(generator.device);
            var negativeLogWeights = TensorExtensionMethods.Load(reader).to(generator.device);
            using var state = TensorExtensionMethods.Load(reader);
            generator.set_state(state);
            return new WeightedSyntheticSet(set, positiveLogWeights, negativeLogWeights, logTotal, logValid);
        }
        catch (Exception e) when (e is EndOfStreamException or IOException or ArgumentException)
        {
            throw new GenNegException($"cannot read synthetic data set '{path}': {e.Message}");
        }
    }

    public void Dispose()
    {
        Set.Dispose();
        PositiveLogWeights.Dispose();
        NegativeLogWeights.Dispose();
    }
}
