using GenNeg.Runs;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GenNeg.Training;

/// <summary>
/// Everything a training loop needs to continue bit-for-bit: step, weights, EMA weights, optimizer moments
/// and the random generator's state. One file, written atomically, with a checksum checked before it is read.
/// </summary>
public static class TrainingCheckpoint
{
    private const string Magic = "GENNEG-TRAIN-1";

    public static void Save(string path, int step, Module model, Module? ema, OptimizerHelper optimizer, Generator generator)
    {
        FileChecksum.Write(path, stream =>
        {
            using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
            writer.Write(Magic);
            writer.Write(step);
            model.save(writer);
            writer.Write(ema is not null);
            ema?.save(writer);
            optimizer.save_state_dict(writer);
            using var state = generator.get_state();
            var bytes = state.data<byte>().ToArray();
            writer.Write(bytes.Length);
            writer.Write(bytes);
        });
    }

    /// <summary>Restores a checkpoint into the given objects and returns its step.</summary>
    public static int Load(string path, Module model, Module? ema, OptimizerHelper optimizer, Generator generator)
    {
        // A changed byte would otherwise resume silently into other weights than an uninterrupted run's.
        FileChecksum.Verify(path, "delete it to train from the start (the last finished stage is not affected)");
        try
        {
            using var reader = new BinaryReader(File.OpenRead(path));
            if (reader.ReadString() != Magic) throw new GenNegException($"'{path}' is not a GenNeg training checkpoint");
            var step = reader.ReadInt32();
            model.load(reader);
            var hasEma = reader.ReadBoolean();
            if (hasEma != (ema is not null))
                throw new GenNegException($"'{path}' was saved {(hasEma ? "with" : "without")} EMA weights but train.ema_decay now says otherwise");
            ema?.load(reader);
            optimizer.load_state_dict(reader);
            var bytes = reader.ReadBytes(reader.ReadInt32());
            using var state = tensor(bytes);
            generator.set_state(state);
            return step;
        }
        catch (Exception e) when (e is EndOfStreamException or IOException or ArgumentException or InvalidOperationException)
        {
            throw new GenNegException($"cannot resume from '{path}': {e.Message}");
        }
    }
}
