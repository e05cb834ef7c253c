using GenNeg.Configuration;
using GenNeg.Data;
using GenNeg.Diffusion;
using GenNeg.Networks;
using GenNeg.Oracles;
using GenNeg.Runtime;
using static TorchSharp.torch;

namespace GenNeg.Workflows;

/// <summary>
/// What every workflow sets up from a config before it works: the device, the data set and its splits on that device,
/// the oracle, and the builder of the run's models. Names the config gives are checked against the registries first,
/// so a wrong name fails before anything is computed or written.
/// </summary>
public sealed class Experiment : IDisposable
{
    private readonly Registries registries;
    private IOracle? oracle;

    private Experiment(GenNegConfig config, Registries registries, IDataSet dataSet, DataSplit data, Device device)
    {
        Config = config;
        this.registries = registries;
        DataSet = dataSet;
        Data = data;
        Device = device;
        Models = new ModelBuilder(config.Model, data, registries.Backbones, device, config.Genneg.Classifier.Backbone, config.Genneg.Classifier.Torchscript);
    }

    public GenNegConfig Config { get; }
    public IDataSet DataSet { get; }
    public DataSplit Data { get; }
    public Device Device { get; }
    public ModelBuilder Models { get; }

    /// <summary>The configured oracle, built for this data.</summary>
    public IOracle Oracle => oracle ??= registries.Oracles.Resolve(Config.Oracle, Data, Config);

    public static Experiment Open(GenNegConfig config, Registries registries)
    {
        CheckBeforeWork(config, registries);
        var device = DeviceSelection.Resolve(config.Device);
        var dataSet = registries.DataSets.Resolve(config.Data.Name);
        var loaded = dataSet.Load(config.Data);
        var data = loaded.To(device);
        if (!ReferenceEquals(data, loaded)) loaded.Dispose();
        return new Experiment(config, registries, dataSet, data, device);
    }

    /// <summary>
    /// Every name the config gives exists in the registries (each failure names its key and the known names), and the
    /// data set's splits fit in memory: checked before a workflow writes anything.
    /// </summary>
    public static void CheckBeforeWork(GenNegConfig config, Registries registries)
    {
        var dataSet = registries.DataSets.Resolve(config.Data.Name);
        registries.Oracles.EnsureKnown(config.Oracle);
        registries.Backbones.EnsureKnown(config.Model.Backbone);
        registries.Backbones.EnsureKnown(ClassifierHead.Backbone(config.Genneg.Classifier.Backbone, config.Model.Backbone), "genneg.classifier.backbone");
        dataSet.EnsureFits(config.Data);
    }

    /// <summary>A random stream on the run's device.</summary>
    public Generator NewGenerator(long seed) => new((ulong)seed, Device);

    /// <summary>Stops the oracle first (an external oracle's program), then frees the data.</summary>
    public void Dispose()
    {
        (oracle as IDisposable)?.Dispose();
        Data.Dispose();
    }
}
