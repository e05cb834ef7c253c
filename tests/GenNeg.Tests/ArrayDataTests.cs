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
}
