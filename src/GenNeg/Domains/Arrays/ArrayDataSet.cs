using GenNeg.Configuration;
using GenNeg.Data;
using GenNeg.Oracles;
using GenNeg.Reporting;
using GenNeg.Runs;
using static TorchSharp.torch;

namespace GenNeg.Domains.Arrays;

/// <summary>
/// A user's samples of any shape read from .npy files (<see cref="ArrayDataConfig"/>): samples [N, *S], unconditional
/// or with named condition arrays [N, ...] the model is given beside them, labelled by whichever oracle the config names.
/// The picture scatters each sample's first two numbers; the CSV holds a sample's numbers, its verdict, then its
/// condition's numbers.
/// </summary>
public sealed class ArrayDataSet : IDataSet
{
    public const string DataSetName = "arrays";

    public string Name => DataSetName;

    public Type ConfigType => typeof(ArrayDataConfig);

    public DataSplit Load(DataConfig config)
    {
        var arrays = config.OptionsAs<ArrayDataConfig>();
        var samples = Read(arrays.Samples, "data.arrays.samples");
        var conditions = ReadConditions(arrays.Conditions, "data.arrays.conditions", samples.shape[0], arrays.Samples);
        if (arrays.ValidationSamples.Length > 0)
        {
            var validation = Read(arrays.ValidationSamples, "data.arrays.validation_samples");
            if (!validation.shape[1..].SequenceEqual(samples.shape[1..]))
                throw ConfigKey.Error("data.arrays.validation_samples",
                    $": samples of shape [{string.Join(", ", validation.shape[1..])}] in '{arrays.ValidationSamples}', but [{string.Join(", ", samples.shape[1..])}] in data.arrays.samples");
            // The evaluation compares with the first data.validation_size held-out samples (evaluate.mmd_samples of them by MMD).
            if (validation.shape[0] < config.ValidationSize)
                throw ConfigKey.Error("data.validation_size", $"({config.ValidationSize:N0}) exceeds the {validation.shape[0]:N0} samples of '{arrays.ValidationSamples}'; set it to at most that");
            var validationConditions = ReadConditions(arrays.ValidationConditions, "data.arrays.validation_conditions", validation.shape[0], arrays.ValidationSamples);
            for (var i = 0; i < conditions.Count; i++)
            {
                var (name, train, held) = (conditions[i].Key, conditions[i].Value, validationConditions[i].Value);
                if (!train.shape[1..].SequenceEqual(held.shape[1..]))
                    throw ConfigKey.Error($"data.arrays.validation_conditions.{name}",
                        $": rows of shape [{string.Join(", ", held.shape[1..])}] in '{arrays.ValidationConditions[name]}', but [{string.Join(", ", train.shape[1..])}] in '{arrays.Conditions[name]}' (data.arrays.conditions.{name})");
            }
            return new DataSplit(samples, validation, new Condition(conditions), new Condition(validationConditions));
        }
        var count = samples.shape[0];
        if (config.ValidationSize >= count)
            throw ConfigKey.Error("data.validation_size", $"({config.ValidationSize:N0}) must be below the {count:N0} samples of '{arrays.Samples}', to leave some to train on; lower it or give data.arrays.validation_samples");
        using var scope = NewDisposeScope();
        using var generator = new Generator((ulong)config.ValidationSeed);
        var order = randperm(count, generator: generator);
        var all = new Condition(conditions);
        var split = new DataSplit(samples.index_select(0, order[config.ValidationSize..]).MoveToOuterDisposeScope(),
            samples.index_select(0, order[..config.ValidationSize]).MoveToOuterDisposeScope(),
            all.Select(order[config.ValidationSize..]).MoveToOuterDisposeScope(), all.Select(order[..config.ValidationSize]).MoveToOuterDisposeScope());
        samples.Dispose();
        all.DisposeTensors();
        return split;
    }

    /// <summary>
    /// The condition arrays a config maps names to, in name order, each [N, ...] as float32 with one row per sample of
    /// <paramref name="samplesPath"/> (<paramref name="count"/> of them).
    /// </summary>
    private static List<KeyValuePair<string, Tensor>> ReadConditions(IReadOnlyDictionary<string, string> files, string key, long count, string samplesPath)
    {
        var read = new List<KeyValuePair<string, Tensor>>();
        foreach (var name in files.Keys.Order(StringComparer.Ordinal))
        {
            var path = files[name];
            var entryKey = $"{key}.{name}";
            if (!File.Exists(path)) throw ConfigKey.Error(entryKey, $": file '{path}' not found");
            var array = NpyFile.Read(path);
            if (array.Shape.Length < 1 || array.Shape[0] != count)
                throw ConfigKey.Error(entryKey, $": '{path}' holds an array of shape ({string.Join(", ", array.Shape)}); a condition needs one row per sample, {count:N0} for the samples of '{samplesPath}'");
            var bad = Array.FindIndex(array.Values, v => !float.IsFinite(v));
            if (bad >= 0)
                throw ConfigKey.Error(entryKey, $": '{path}' holds a non-finite number ({array.Values[bad]}) in row {bad / Math.Max(1, array.Values.Length / array.Shape[0])}");
            read.Add(new(name, tensor(array.Values).reshape(array.Shape)));
        }
        return read;
    }

    /// <summary>An array [N, *S] of finite numbers, as float32.</summary>
    private static Tensor Read(string path, string key)
    {
        if (!File.Exists(path)) throw ConfigKey.Error(key, $": file '{path}' not found");
        var array = NpyFile.Read(path);
        if (array.Shape.Length < 2 || array.Shape[0] < 1)
            throw ConfigKey.Error(key, $": '{path}' holds an array of shape ({string.Join(", ", array.Shape)}); samples are [N, ...] with N at least 1 and one dimension or more per sample");
        var bad = Array.FindIndex(array.Values, v => !float.IsFinite(v));
        if (bad >= 0)
        {
            var perSample = array.Values.Length / array.Shape[0];
            throw ConfigKey.Error(key, $": '{path}' holds a non-finite number ({array.Values[bad]}) in sample {bad / perSample}");
        }
        return tensor(array.Values).reshape(array.Shape);
    }

    public byte[] RenderSamples(DataSplit data, Tensor samples, Condition condition, OracleVerdict verdict, string title)
    {
        using var flat = samples.flatten(1).cpu().to(ScalarType.Float64);
        var width = (int)flat.shape[1];
        var values = flat.contiguous().data<double>().ToArray();
        var valid = verdict.SampleValidFlags();
        var points = Enumerable.Range(0, valid.Length).Select(i => (values[i * width], width > 1 ? values[i * width + 1] : 0, valid[i])).ToArray();
        return PointScatterPlot.RenderPng(points, $"{title} (each sample's first two numbers)");
    }

    public string ExportFileName => "samples.csv";

    public void WriteSamples(DataSplit data, IReadOnlyList<string> splits, Tensor samples, Condition condition, OracleVerdict verdict, string path)
    {
        using var scope = NewDisposeScope();
        var flat = samples.flatten(1);
        if (condition.IsEmpty)
        {
            SampleCsv.Write(path, flat, verdict.SampleValidFlags());
            return;
        }
        // Each condition's numbers follow valid: a column named after the condition when it is one number per sample,
        // else name0, name1, ... in C order.
        var rows = samples.shape[0];
        var parts = condition.Entries.Select(e => (e.Key, Values: e.Value.reshape(rows, -1).to(ScalarType.Float32).cpu())).ToList();
        var names = parts.SelectMany(p => p.Values.shape[1] == 1 ? [p.Key] : Enumerable.Range(0, (int)p.Values.shape[1]).Select(k => $"{p.Key}{k}")).ToList();
        SampleCsv.Write(path, flat, verdict.SampleValidFlags(), (cat(parts.Select(p => p.Values).ToList(), 1), names));
    }
}
