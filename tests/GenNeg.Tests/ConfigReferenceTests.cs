using GenNeg.Configuration;

namespace GenNeg.Tests;

/// <summary>docs/configuration.md is generated from the config records and cannot drift from them.</summary>
public class ConfigReferenceTests
{
    private static string Generated()
    {
        var registries = Registries.CreateDefault();
        return ConfigReference.Markdown(registries.ConfigSchema, registries.ConfigChoices());
    }

    [Fact]
    public void The_checked_in_reference_is_the_one_the_code_generates()
    {
        var path = Repository.File("docs/configuration.md");
        Assert.True(File.Exists(path) && File.ReadAllText(path) == Generated(),
            "docs/configuration.md differs from the code; regenerate it with ./genneg config-reference --out docs/configuration.md");
    }

    [Fact]
    public void Every_key_has_a_row_with_its_meaning()
    {
        var rows = Generated().Split('\n').Where(line => line.StartsWith("| `", StringComparison.Ordinal))
            .Select(line => line.Split(" | "))
            .ToDictionary(cells => cells[0].Trim('|', ' ', '`'), cells => cells[^1].TrimEnd('|', ' '));
        foreach (var key in ConfigLoader.Keys(TestConfig.Schema))
        {
            Assert.True(rows.TryGetValue(key, out var meaning), $"'{key}' has no row in the reference");
            Assert.False(string.IsNullOrWhiteSpace(meaning), $"'{key}' has no doc comment");
        }
        Assert.Equal(ConfigLoader.Keys(TestConfig.Schema).Count(), rows.Count);
    }

    [Fact]
    public void Doc_comments_are_read_from_the_documentation_file_and_a_missing_one_is_empty()
    {
        var docs = new DocComments();
        Assert.Equal("Seed of the training set.", docs.Of(typeof(DataConfig).GetProperty(nameof(DataConfig.Seed))!));
        Assert.Equal("", docs.Of(typeof(string).GetProperty(nameof(string.Length))!));
    }

    [Fact]
    public void Every_shipped_config_validates()
    {
        var configs = Directory.GetFiles(Repository.File("configs"), "*.yaml");
        Assert.NotEmpty(configs);
        foreach (var path in configs) TestConfig.Load(path);
    }
}
