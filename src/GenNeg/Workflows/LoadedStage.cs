using GenNeg.Configuration;
using GenNeg.Diffusion;
using GenNeg.Runs;
using static TorchSharp.torch.nn;

namespace GenNeg.Workflows;

/// <summary>A stage of a run, loaded: the denoiser to sample from (guided when the stage has classifiers).</summary>
public sealed class LoadedStage : IDisposable
{
    private readonly List<Module> modules;

    private LoadedStage(StageRecord record, IDenoiser denoiser, List<Module> modules)
    {
        Record = record;
        Denoiser = denoiser;
        this.modules = modules;
    }

    public StageRecord Record { get; }

    public IDenoiser Denoiser { get; }

    public static LoadedStage Load(RunFolder run, GenNegConfig config, StageRecord record, int dimension)
    {
        var denoiser = ModelFiles.Load(ModelFactory.CreateDenoiser(config.Model, dimension, config.Seed), run.PathOf(record.Denoiser));
        if (record.Classifiers.Count > 0)
            throw new GenNegException($"stage '{record.Name}' has a classifier stack, which this version cannot load");
        return new LoadedStage(record, denoiser, [denoiser]);
    }

    public void Dispose()
    {
        foreach (var module in modules) module.Dispose();
    }
}
