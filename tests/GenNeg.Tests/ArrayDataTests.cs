using GenNeg.Configuration;
using GenNeg.Data;
using GenNeg.Domains.Checkerboard;
using static GenNeg.Tests.ReliabilityTests;
using static TorchSharp.torch;

namespace GenNeg.Tests;

/// <summary>The arrays data set: samples of any shape from .npy files, with the oracle the config names.</summary>
public class ArrayDataTests
{
    private static void WriteNpy(string path, Tensor samples)
    {
        using var values = samples.to(ScalarType.Float32).contiguous();
        File.WriteAllBytes(path, NpyFile.Format(samples.shape, values.data<float>().ToArray()));
    }

    /// <summary>The tiny checkerboard run, its data read from .npy files of the built-in data set's own splits.</summary>
    private static string ArraysYaml(TempFolder folder)
    {
        var builtIn = TestConfig.Parse(TinyRun.Yaml);
        using var data = new CheckerboardDataSet().Load(builtIn.Data);
        WriteNpy(folder.Combine("train.npy"), data.Train);
        WriteNpy(folder.Combine("validation.npy"), data.Validation);
        return TinyRun.Yaml.Replace("data: { name: checkerboard,", $"data: {{ name: arrays, arrays: {{ samples: '{folder.Combine("train.npy")}', validation_samples: '{folder.Combine("validation.npy")}' }},", StringComparison.Ordinal);
    }

    [Fact]
    public void The_checkerboard_exported_to_npy_trains_and_evaluates_to_the_built_in_figures()
    {
        using var folder = new TempFolder();
        var arrays = TinyRun.WriteConfig(folder, ArraysYaml(folder));
        Assert.Contains("name: arrays", File.ReadAllText(arrays));
        using var builtInFolder = new TempFolder();
        var figures = new[] { (arrays, folder.Combine("run")), (TinyRun.WriteConfig(builtInFolder), builtInFolder.Combine("run")) }.Select(pair =>
        {
            var train = ReliabilityTests.Cli("train-baseline", "-c", pair.Item1, "-r", pair.Item2);
            Assert.True(train.Code == 0, train.Error);
            var evaluate = ReliabilityTests.Cli("evaluate", "-r", pair.Item2, "--json");
            Assert.True(evaluate.Code == 0, evaluate.Error);
            using var json = System.Text.Json.JsonDocument.Parse(evaluate.Output);
            return (json.RootElement.GetProperty("infraction_rate").GetDouble(), json.RootElement.GetProperty("mmd").GetDouble(), json.RootElement.GetProperty("elbo").GetDouble());
        }).ToArray();
        Assert.Equal(figures[1], figures[0]);
        Assert.InRange(figures[0].Item1, 0, 1);
    }

    [Fact]
    public void One_file_is_split_by_the_validation_seed_into_disjoint_sets()
    {
        using var folder = new TempFolder();
        using var values = arange(40, dtype: ScalarType.Float32).reshape(20, 2);
        WriteNpy(folder.Combine("all.npy"), values);
        var yaml = $"data: {{ name: arrays, validation_size: 5, validation_seed: 7, arrays: {{ samples: '{folder.Combine("all.npy")}' }} }}\nevaluate: {{ mmd_samples: 5 }}";
        using var data = new Domains.Arrays.ArrayDataSet().Load(TestConfig.Parse(yaml).Data);
        Assert.Equal([15L, 2L], data.Train.shape);
        Assert.Equal([5L, 2L], data.Validation.shape);
        var rows = data.Train.select(1, 0).data<float>().Concat(data.Validation.select(1, 0).data<float>()).Order().ToArray();
        Assert.Equal(Enumerable.Range(0, 20).Select(i => 2f * i).ToArray(), rows);
        using var again = new Domains.Arrays.ArrayDataSet().Load(TestConfig.Parse(yaml).Data);
        Assert.True(again.Validation.eq(data.Validation).all().item<bool>());
    }

    [Fact]
    public void Unusable_files_are_refused_naming_the_key_and_the_file()
    {
        using var folder = new TempFolder();
        using (var flat = arange(6, dtype: ScalarType.Float32)) WriteNpy(folder.Combine("flat.npy"), flat);
        using (var nan = tensor(new[] { 1f, float.NaN, 3f, 4f }).reshape(2, 2)) WriteNpy(folder.Combine("nan.npy"), nan);
        using (var pairs = zeros(10, 2)) WriteNpy(folder.Combine("pairs.npy"), pairs);
        using (var triples = zeros(10, 3)) WriteNpy(folder.Combine("triples.npy"), triples);
        using (var three = zeros(3, 2)) WriteNpy(folder.Combine("three.npy"), three);
        string Error(string arrays) => Assert.Throws<GenNegException>(() =>
        {
            using var data = new Domains.Arrays.ArrayDataSet().Load(TestConfig.Parse($"data: {{ name: arrays, validation_size: 4, arrays: {arrays} }}\nevaluate: {{ mmd_samples: 4 }}").Data);
        }).Message;

        Assert.Equal("config key 'data.arrays.samples' must name a .npy file of samples [N, ...]",
            Assert.Throws<GenNegException>(() => TestConfig.Parse("data: { name: arrays }")).Message);
        Assert.Equal($"config key 'data.arrays.samples': file '{folder.Combine("none.npy")}' not found", Error($"{{ samples: '{folder.Combine("none.npy")}' }}"));
        Assert.StartsWith($"config key 'data.arrays.samples': '{folder.Combine("flat.npy")}' holds an array of shape (6)", Error($"{{ samples: '{folder.Combine("flat.npy")}' }}"));
        Assert.Equal($"config key 'data.arrays.samples': '{folder.Combine("nan.npy")}' holds a non-finite number (NaN) in sample 0", Error($"{{ samples: '{folder.Combine("nan.npy")}' }}"));
        Assert.StartsWith("config key 'data.arrays.validation_samples': samples of shape [3]", Error($"{{ samples: '{folder.Combine("pairs.npy")}', validation_samples: '{folder.Combine("triples.npy")}' }}"));
        Assert.StartsWith("config key 'data.validation_size' (4) must be below the 3 samples", Error($"{{ samples: '{folder.Combine("three.npy")}' }}"));
    }

    [Fact]
    public void Condition_arrays_follow_their_samples_into_both_splits_with_their_shapes()
    {
        using var folder = new TempFolder();
        using var values = arange(40, dtype: ScalarType.Float32).reshape(20, 2);
        WriteNpy(folder.Combine("all.npy"), values);
        // Row i of each condition is known from sample i: label = 10 x0 (one number per sample), grid = x0 + [0, 1, 2, 3] ([2, 2]).
        WriteNpy(folder.Combine("label.npy"), values.select(1, 0) * 10);
        WriteNpy(folder.Combine("grid.npy"), values.select(1, 0).reshape(20, 1, 1) + arange(4, dtype: ScalarType.Float32).reshape(1, 2, 2));
        var yaml = $"data: {{ name: arrays, validation_size: 5, validation_seed: 7, arrays: {{ samples: '{folder.Combine("all.npy")}', " +
            $"conditions: {{ label: '{folder.Combine("label.npy")}', grid: '{folder.Combine("grid.npy")}' }} }} }}\nevaluate: {{ mmd_samples: 5 }}";
        using var data = new Domains.Arrays.ArrayDataSet().Load(TestConfig.Parse(yaml).Data);
        Assert.Equal(["grid", "label"], data.TrainCondition.Names.ToArray());
        Assert.Equal([15L], data.TrainCondition["label"].shape);
        Assert.Equal([5L, 2, 2], data.ValidationCondition["grid"].shape);
        foreach (var (samples, condition) in new[] { (data.Train, data.TrainCondition), (data.Validation, data.ValidationCondition) })
        {
            var first = samples.select(1, 0);
            Assert.Equal((first * 10).data<float>().ToArray(), condition["label"].data<float>().ToArray());
            Assert.Equal((first.reshape(-1, 1, 1) + arange(4, dtype: ScalarType.Float32).reshape(1, 2, 2)).flatten().data<float>().ToArray(),
                condition["grid"].flatten().data<float>().ToArray());
        }

        // With held-out files of their own: the same names, rows checked against the held-out samples.
        WriteNpy(folder.Combine("held.npy"), values[..6]);
        WriteNpy(folder.Combine("held-label.npy"), values[..6].select(1, 0) * 10);
        WriteNpy(folder.Combine("held-grid.npy"), zeros(6, 2, 2));
        var separate = $"data: {{ name: arrays, validation_size: 5, arrays: {{ samples: '{folder.Combine("all.npy")}', validation_samples: '{folder.Combine("held.npy")}', " +
            $"conditions: {{ label: '{folder.Combine("label.npy")}', grid: '{folder.Combine("grid.npy")}' }}, " +
            $"validation_conditions: {{ label: '{folder.Combine("held-label.npy")}', grid: '{folder.Combine("held-grid.npy")}' }} }} }}\nevaluate: {{ mmd_samples: 5 }}";
        using var held = new Domains.Arrays.ArrayDataSet().Load(TestConfig.Parse(separate).Data);
        Assert.Equal([20L, 2, 2], held.TrainCondition["grid"].shape);
        Assert.Equal(new float[] { 0, 20, 40, 60, 80, 100 }, held.ValidationCondition["label"].data<float>().ToArray());
        // The resolved config keeps the mapping (a run's config.yaml).
        Assert.Contains("label:", Runs.RunFolder.ExperimentYaml(TestConfig.Parse(separate)));
    }

    [Fact]
    public void A_condition_array_of_the_wrong_length_or_names_is_refused_naming_the_key_and_the_file()
    {
        using var folder = new TempFolder();
        using var values = arange(40, dtype: ScalarType.Float32).reshape(20, 2);
        WriteNpy(folder.Combine("all.npy"), values);
        WriteNpy(folder.Combine("short.npy"), zeros(19, 3));
        var yaml = $"data: {{ name: arrays, validation_size: 5, arrays: {{ samples: '{folder.Combine("all.npy")}', conditions: {{ label: '{folder.Combine("short.npy")}' }} }} }}\nevaluate: {{ mmd_samples: 5 }}";
        var error = Assert.Throws<GenNegException>(() =>
        {
            using var data = new Domains.Arrays.ArrayDataSet().Load(TestConfig.Parse(yaml).Data);
        }).Message;
        Assert.Equal($"config key 'data.arrays.conditions.label': '{folder.Combine("short.npy")}' holds an array of shape (19, 3); a condition needs one row per sample, 20 for the samples of '{folder.Combine("all.npy")}'", error);
        Assert.DoesNotContain('\n', error);

        var mismatch = Assert.Throws<GenNegException>(() => TestConfig.Parse(
            $"data: {{ name: arrays, arrays: {{ samples: a.npy, validation_samples: b.npy, conditions: {{ label: l.npy }}, validation_conditions: {{ tag: t.npy }} }} }}")).Message;
        Assert.Equal("config key 'data.arrays.validation_conditions' must name the same conditions as conditions (label) for validation_samples; it names tag", mismatch);
        var notMap = Assert.Throws<GenNegException>(() => TestConfig.Parse("data: { name: arrays, arrays: { samples: a.npy, conditions: [l.npy] } }")).Message;
        Assert.Equal("config key 'data.arrays.conditions' must be a mapping of names to words, e.g. { label: labels.npy }", notMap);
    }

    [Fact]
    public void A_model_trains_samples_and_evaluates_on_arrays_with_a_condition()
    {
        using var folder = new TempFolder();
        var builtIn = TestConfig.Parse(TinyRun.Yaml);
        using var data = new CheckerboardDataSet().Load(builtIn.Data);
        foreach (var (name, samples) in new[] { ("train", data.Train), ("validation", data.Validation) })
        {
            WriteNpy(folder.Combine($"{name}.npy"), samples);
            // The condition says which half-plane each point lies in.
            WriteNpy(folder.Combine($"{name}-side.npy"), (samples.select(1, 0) > 0).to(ScalarType.Float32).reshape(-1, 1));
        }
        var yaml = TinyRun.Yaml.Replace("data: { name: checkerboard,", $"data: {{ name: arrays, arrays: {{ samples: '{folder.Combine("train.npy")}', " +
            $"validation_samples: '{folder.Combine("validation.npy")}', conditions: {{ side: '{folder.Combine("train-side.npy")}' }}, " +
            $"validation_conditions: {{ side: '{folder.Combine("validation-side.npy")}' }} }},", StringComparison.Ordinal);
        var config = TinyRun.WriteConfig(folder, yaml);
        var run = folder.Combine("run");
        foreach (var args in new[] { new[] { "train-baseline", "-c", config, "-r", run }, ["evaluate", "-r", run], ["sample", "-r", run, "-n", "50", "-o", folder.Combine("out.csv")] })
        {
            var result = ReliabilityTests.Cli(args);
            Assert.True(result.Code == 0, result.Error);
        }
        var lines = File.ReadAllLines(folder.Combine("out.csv"));
        Assert.Equal(51, lines.Length);
        // Each sample's condition follows its verdict: the held-out side it was drawn under.
        Assert.Equal("x0,x1,valid,side", lines[0]);
        Assert.All(lines[1..], line => Assert.Contains(line.Split(',')[3], new[] { "0", "1" }));
        var refused = ReliabilityTests.Cli("sample", "-r", run, "-n", "5", "--agents", "2", "-o", folder.Combine("refused.csv"));
        Assert.Equal("error: --agents applies to data whose samples are padded to a number of elements (e.g. traffic_files); these samples have none", ReliabilityTests.ErrorLine(refused.Error));
        Assert.False(File.Exists(folder.Combine("refused.csv")));
    }
}
