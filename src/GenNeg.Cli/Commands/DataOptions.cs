using System.CommandLine;
using System.Globalization;
using GenNeg.Configuration;
using GenNeg.Workflows;

namespace GenNeg.Cli.Commands;

/// <summary>The options data preview and data export share: which config, which split, how many samples, how much jitter.</summary>
internal sealed class DataOptions
{
    private readonly Option<string?> config = CommonOptions.Config();
    private readonly Option<string[]> set = CommonOptions.Set();
    private readonly Option<string> split;
    private readonly Option<long?> count = new("-n", "--count") { Description = "Use the first N samples of each split (default: all)" };
    private readonly Option<double> jitter = new("--jitter")
    {
        Description = "Add Gaussian noise of this std to the samples in the model's normalised space before labelling, to see what the oracle catches",
    };
    private readonly Option<long> seed = new("--seed") { Description = "Seed of the jitter" };

    /// <param name="defaultSplit">train, validation or all</param>
    public DataOptions(string defaultSplit) =>
        split = new("--split") { Description = "Which samples: train, validation (held-out) or all (both)", DefaultValueFactory = _ => defaultSplit };

    public void AddTo(Command command)
    {
        config.Required = true;
        foreach (var option in new Option[] { config, set, split, count, jitter, seed }) command.Options.Add(option);
    }

    public DataSelection Read(ParseResult parse, ConfigSchema schema) => new(
        ConfigLoader.LoadFile(parse.GetRequiredValue(config)!, schema, parse.GetValue(set) ?? []),
        parse.GetValue(split)!, parse.GetValue(count), parse.GetValue(jitter), parse.GetValue(seed));

    public static void Report(CliEnvironment environment, DataSummary summary)
    {
        var invariant = CultureInfo.InvariantCulture;
        environment.Output.WriteLine(string.Create(invariant,
            $"{summary.DataSet} {summary.Split}: {summary.Samples:N0} samples; generated in {summary.GenerateSeconds:F2} s, labelled in {summary.LabelSeconds:F2} s"));
        foreach (var rate in summary.Rates)
            environment.Output.WriteLine(string.Create(invariant, $"  {rate.Reason}: {rate.PerSample:P2} of samples, {rate.PerElement:P2} of elements"));
        foreach (var feature in summary.Realism)
            environment.Output.WriteLine(string.Create(invariant,
                $"  {feature.Name}{(feature.Unit.Length > 0 ? $" ({feature.Unit})" : "")}: least {feature.Min:0.###}, 5/25/50/75/95 % quantiles {string.Join(", ", feature.Quantiles.Select(q => q.ToString("0.###;-0.###;0", invariant)))}, greatest {feature.Max:0.###} ({feature.Count:N0} values)"));
        foreach (var file in summary.Files) environment.Output.WriteLine($"wrote {file}");
    }
}
