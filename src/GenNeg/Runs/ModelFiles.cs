using static TorchSharp.torch.nn;

namespace GenNeg.Runs;

/// <summary>Saves and loads module weights (TorchSharp's format; field names are the keys), atomically.</summary>
public static class ModelFiles
{
    public static void Save(Module module, string path) => AtomicFile.Write(path, stream =>
    {
        using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        module.save(writer);
    });

    public static T Load<T>(T module, string path) where T : Module
    {
        if (!File.Exists(path)) throw new GenNegException($"model file '{path}' is missing; the run folder is incomplete");
        try
        {
            module.load(path);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or EndOfStreamException or IOException)
        {
            throw new GenNegException($"cannot load '{path}': {e.Message}");
        }
        if (module.parameters().Any(p => !p.isfinite().all().item<bool>()))
            throw new GenNegException($"model file '{path}' holds NaN or infinite weights: its training diverged; train that stage again with a lower learning rate");
        module.eval();
        return module;
    }
}
