using GenNeg.Configuration;
using TorchSharp;
using static TorchSharp.torch;

namespace GenNeg.Runtime;

/// <summary>
/// The device a run computes on, from the config's `device` key or --device: auto (CUDA when the loaded libtorch has it
/// and a GPU is visible, else the CPU), cpu, cuda or cuda:N.
/// </summary>
public static class DeviceSelection
{
    public const string Auto = "auto";

    public static IReadOnlyList<string> Forms { get; } = [Auto, "cpu", "cuda", "cuda:N"];

    /// <summary>Whether <paramref name="setting"/> is one of the accepted forms (not whether the device exists).</summary>
    public static bool IsWellFormed(string setting) =>
        setting is Auto or "cpu" or "cuda" || (setting.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(setting[5..], out var n) && n >= 0);

    public static Device Resolve(string setting)
    {
        if (!IsWellFormed(setting))
            throw ConfigKey.Error("device", $"must be one of {string.Join(", ", Forms)}, got '{setting}'");
        if (setting == Auto) return cuda.is_available() ? new Device(DeviceType.CUDA, 0) : CPU;
        if (setting == "cpu") return CPU;
        if (!cuda.is_available())
            throw new GenNegException(
                $"device '{setting}' asked for, but the loaded libtorch has no CUDA (a CPU build, or no GPU visible): build with " +
                "`dotnet build -c Release -p:TorchBackend=cuda` on a machine with an NVIDIA GPU and driver, or use --device cpu");
        var index = setting == "cuda" ? 0 : int.Parse(setting[5..], System.Globalization.CultureInfo.InvariantCulture);
        var count = cuda.device_count();
        if (index >= count) throw new GenNegException($"device '{setting}' asked for, but this machine has {count} CUDA device(s), cuda:0 to cuda:{count - 1}");
        return new Device(DeviceType.CUDA, index);
    }

    /// <summary>Waits for the device's queued work, so that a clock read after it measures the work (a no-op on the CPU).</summary>
    public static void Synchronize(Device device)
    {
        if (device.type == DeviceType.CUDA) cuda.synchronize(device);
    }
}
