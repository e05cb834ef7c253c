using GenNeg.Configuration;

namespace GenNeg.Tests;

/// <summary>Configs read as the CLI reads them: with the built-in parts' configuration records.</summary>
internal static class TestConfig
{
    public static ConfigSchema Schema { get; } = Registries.CreateDefault().ConfigSchema;

    public static GenNegConfig Parse(string yaml, IEnumerable<string>? overrides = null, string source = "config") =>
        ConfigLoader.Parse(yaml, Schema, overrides, source);

    public static GenNegConfig Load(string path, IEnumerable<string>? overrides = null) => ConfigLoader.LoadFile(path, Schema, overrides);
}
