using GenNeg.Data;
using GenNeg.Domains.Arrays;
using GenNeg.Domains.Checkerboard;
using GenNeg.Domains.Motion;
using GenNeg.Domains.Motion.Model;
using GenNeg.Domains.Motion.Oracle;
using GenNeg.Domains.Traffic;
using GenNeg.Domains.Traffic.Files;
using GenNeg.Domains.Traffic.Model;
using GenNeg.Domains.Traffic.Oracle;
using GenNeg.Networks;
using GenNeg.Oracles;
using GenNeg.Oracles.External;

namespace GenNeg;

/// <summary>
/// Everything a config names by name: data sets (data.name), oracles (oracle), backbones (model.backbone). The CLI and
/// library users start from <see cref="CreateDefault"/> and may register their own before running a workflow; adding
/// a domain is one line per part here.
/// </summary>
public sealed class Registries
{
    public DataSetRegistry DataSets { get; } = new();

    public OracleRegistry Oracles { get; } = new();

    public BackboneRegistry Backbones { get; } = new();

    /// <summary>Where the registered parts log (e.g. a data set's load summary); the host sets it once its loggers exist.</summary>
    public Microsoft.Extensions.Logging.ILoggerFactory Loggers { get; set; } = Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance;

    /// <summary>The configuration records the registered parts bring (data.NAME for each data set with keys).</summary>
    public Configuration.ConfigSchema ConfigSchema => new(DataSets.ConfigTypes);

    /// <summary>What each key that takes a name accepts, for the configuration reference: the registered names and the owners' lists.</summary>
    public IReadOnlyDictionary<string, string> ConfigChoices()
    {
        static string Names(IEnumerable<string> names) => "one of " + string.Join(", ", names.Order(StringComparer.Ordinal));
        var choices = new Dictionary<string, string>
        {
            ["data.name"] = Names(DataSets.Names) + " (or a data set registered by user code)",
            ["oracle"] = Names(Oracles.Names) + " (or an oracle registered by user code)",
            ["model.backbone"] = Names(Backbones.Names) + " (or a backbone registered by user code)",
        };
        foreach (var (key, _, names) in Configuration.ConfigValidator.Choices) choices[key] = "one of " + string.Join(", ", names);
        foreach (var (key, described) in Configuration.ConfigValidator.DescribedChoices) choices[key] = described;
        return choices;
    }

    /// <summary>The built-in data sets, oracles and backbones.</summary>
    public static Registries CreateDefault()
    {
        var registries = new Registries();
        registries.Backbones.Register(ResidualMlp.BackboneName, spec => new ResidualMlp(MlpShape.For(spec)));
        registries.Backbones.Register(TorchScriptBackbone.BackboneName, spec => new TorchScriptBackbone(spec));
        registries.Backbones.Register(AgentTransformer.BackboneName, spec => new AgentTransformer(spec));
        registries.Backbones.Register(MotionTransformer.BackboneName, spec => new MotionTransformer(spec));
        registries.DataSets.Register(new CheckerboardDataSet());
        registries.Oracles.Register("checkerboard", () => new CheckerboardOracle());
        registries.Oracles.Register(ExternalOracle.OracleName, (data, config) => new ExternalOracle(config.ExternalOracle, data));
        registries.DataSets.Register(new TrafficDataSet());
        registries.Oracles.Register(TrafficOracle.OracleName, data => new TrafficOracle(
            data.World as TrafficWorld ?? throw new GenNegException("the traffic oracle reads road maps: it needs data.name: traffic or traffic_files")));
        registries.DataSets.Register(new MotionDataSet());
        registries.DataSets.Register(new ArrayDataSet());
        registries.DataSets.Register(new TrafficFilesDataSet(() => Microsoft.Extensions.Logging.LoggerFactoryExtensions.CreateLogger<TrafficFilesDataSet>(registries.Loggers)));
        registries.Oracles.Register(GroundPenetrationOracle.OracleName, data => new GroundPenetrationOracle(
            data.World as MotionWorld ?? throw new GenNegException("the ground-penetration oracle reads motions: it needs data.name: motion")));
        return registries;
    }
}
