using GenNeg.Configuration;

namespace GenNeg.Domains.Arrays;

/// <summary>
/// Samples of any shape from NumPy files (data.arrays.*): one .npy array [N, *S] of float32 or float64 numbers, and
/// optionally a second one of held-out samples, each with optional named condition arrays [N, ...]. Relative paths are taken from the folder genneg runs in.
/// </summary>
public sealed record ArrayDataConfig : ICheckedSection
{
    /// <summary>The samples, a .npy file [N, *S]. Without validation_samples, data.validation_size of its rows (picked by data.validation_seed) are held out and the rest train; data.train_size is not used.</summary>
    public string Samples { get; init; } = "";

    /// <summary>Held-out samples [M, *S], a .npy file of their own (at least data.validation_size of them); empty to hold out rows of samples instead.</summary>
    public string ValidationSamples { get; init; } = "";

    /// <summary>Optional conditions of the samples, name: .npy file [N, ...] (row i belongs to sample i of samples), given to the model beside each sample (the MLP appends them to its input). Held-out rows are split off with the samples'.</summary>
    public IReadOnlyDictionary<string, string> Conditions { get; init; } = new Dictionary<string, string>();

    /// <summary>The conditions of validation_samples, name: .npy file [M, ...], the same names as conditions; used only with validation_samples.</summary>
    public IReadOnlyDictionary<string, string> ValidationConditions { get; init; } = new Dictionary<string, string>();

    public void Check(string section)
    {
        if (string.IsNullOrWhiteSpace(Samples)) throw ConfigKey.Error(ConfigKey.In(section, "samples"), "must name a .npy file of samples [N, ...]");
        foreach (var (key, map) in new[] { ("conditions", Conditions), ("validation_conditions", ValidationConditions) })
            foreach (var (name, file) in map)
            {
                if (name.Length == 0 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
                    throw ConfigKey.Error(ConfigKey.In(section, key), $"names a condition '{name}'; names are letters, digits and _");
                if (string.IsNullOrWhiteSpace(file)) throw ConfigKey.Error(ConfigKey.In(section, $"{key}.{name}"), "must name a .npy file [N, ...]");
            }
        if (ValidationSamples.Length == 0 && ValidationConditions.Count > 0)
            throw ConfigKey.Error(ConfigKey.In(section, "validation_conditions"), "belongs to validation_samples, which is not given; held-out rows of samples take their conditions from conditions");
        if (ValidationSamples.Length > 0 && !Conditions.Keys.Order(StringComparer.Ordinal).SequenceEqual(ValidationConditions.Keys.Order(StringComparer.Ordinal)))
            throw ConfigKey.Error(ConfigKey.In(section, "validation_conditions"),
                $"must name the same conditions as conditions ({Names(Conditions)}) for validation_samples; it names {Names(ValidationConditions)}");
    }

    private static string Names(IReadOnlyDictionary<string, string> map) => map.Count == 0 ? "none" : string.Join(", ", map.Keys.Order(StringComparer.Ordinal));
}
