using GenNeg.Configuration;

namespace GenNeg.Domains.Arrays;

/// <summary>
/// Samples of any shape from NumPy files (data.arrays.*): one .npy array [N, *S] of float32 or float64 numbers, and
/// optionally a second one of held-out samples. Relative paths are taken from the folder genneg runs in.
/// </summary>
public sealed record ArrayDataConfig : ICheckedSection
{
    /// <summary>The samples, a .npy file [N, *S]. Without validation_samples, data.validation_size of its rows (picked by data.validation_seed) are held out and the rest train; data.train_size is not used.</summary>
    public string Samples { get; init; } = "";

    /// <summary>Held-out samples [M, *S], a .npy file of their own (at least data.validation_size of them); empty to hold out rows of samples instead.</summary>
    public string ValidationSamples { get; init; } = "";

    public void Check(string section)
    {
        if (string.IsNullOrWhiteSpace(Samples)) throw ConfigKey.Error(ConfigKey.In(section, "samples"), "must name a .npy file of samples [N, ...]");
    }
}
