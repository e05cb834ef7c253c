using System.Reflection;
using System.Text;

namespace GenNeg.Configuration;

/// <summary>
/// docs/configuration.md, generated from the config records: every key with its type, default, allowed values (a
/// declared range or the names its owner accepts) and the doc comment of its property, section by section. A data
/// set's own keys come from the record its registration declares, so user-registered data sets appear too.
/// </summary>
public static class ConfigReference
{
    /// <param name="schema">The registered parts' records.</param>
    /// <param name="choices">Keys whose values are names, with the names accepted (from the registries and owners).</param>
    public static string Markdown(ConfigSchema schema, IReadOnlyDictionary<string, string> choices)
    {
        var docs = new DocComments();
        var page = new StringBuilder();
        page.AppendLine("# Configuration reference").AppendLine()
            .AppendLine("Every key a config file (YAML) may set, generated from the code by `genneg config-reference --out docs/configuration.md`;")
            .AppendLine("a test fails when this page and the code differ. Keys are written as nested sections (`train:` then `iterations: 500`)")
            .AppendLine("or, on the command line, dotted (`--set train.iterations=500`). Unknown keys, wrong types and values outside")
            .AppendLine("the allowed ones are refused at load with a message naming the key. A run writes its fully resolved config (every")
            .AppendLine("key below, defaults included) to `config.yaml` in its folder.").AppendLine();
        Section(page, docs, choices, "", "Top level", new GenNegConfig(), null);
        foreach (var property in ConfigTree.Properties(typeof(GenNegConfig)).Where(p => ConfigTree.IsSection(p.PropertyType)))
        {
            var value = property.GetValue(new GenNegConfig())!;
            var key = ConfigTree.KeyOf(property);
            Sections(page, docs, choices, key, value, docs.Of(property), schema);
        }
        return page.ToString();
    }

    private static void Sections(StringBuilder page, DocComments docs, IReadOnlyDictionary<string, string> choices, string key, object record,
        string propertyDoc, ConfigSchema schema)
    {
        Section(page, docs, choices, key, key, record, propertyDoc);
        foreach (var property in ConfigTree.Properties(record.GetType()))
        {
            if (property.GetCustomAttribute<NamedSectionAttribute>() is not null)
            {
                foreach (var (name, type) in schema.DataSections.OrderBy(s => s.Key, StringComparer.Ordinal))
                    Sections(page, docs, choices, ConfigKey.In(key, name), Activator.CreateInstance(type)!,
                        $"The keys of data set {name} (data.name: {name}).", schema);
            }
            else if (ConfigTree.IsSection(property.PropertyType))
                Sections(page, docs, choices, ConfigKey.In(key, ConfigTree.KeyOf(property)), property.GetValue(record)!, docs.Of(property), schema);
        }
    }

    private static void Section(StringBuilder page, DocComments docs, IReadOnlyDictionary<string, string> choices, string key, string title,
        object record, string? propertyDoc)
    {
        page.AppendLine($"## {title}").AppendLine();
        foreach (var text in new[] { propertyDoc, docs.Of(record.GetType()) }.Where(t => !string.IsNullOrEmpty(t)).Distinct())
            page.AppendLine(text).AppendLine();
        page.AppendLine("| key | type | default | allowed | meaning |").AppendLine("|---|---|---|---|---|");
        foreach (var property in ConfigTree.Properties(record.GetType()))
        {
            if (ConfigTree.IsSection(property.PropertyType) || property.GetCustomAttribute<NamedSectionAttribute>() is not null) continue;
            var full = ConfigKey.In(key, ConfigTree.KeyOf(property));
            var optional = Nullable.GetUnderlyingType(property.PropertyType) is not null ? ", optional" : "";
            var allowed = property.GetCustomAttribute<ValidRangeAttribute>()?.Describe() ?? choices.GetValueOrDefault(full, "");
            page.AppendLine($"| `{full}` | {TypeLabel(property.PropertyType)}{optional} | {DefaultOf(property.GetValue(record))} | {Cell(allowed)} | {Cell(docs.Of(property))} |");
        }
        page.AppendLine();
    }

    private static string DefaultOf(object? value) => value switch
    {
        null => "(empty)",
        "" => "''",
        IReadOnlyList<double> list => $"`[{string.Join(", ", list.Select(ConfigKey.Format))}]`",
        IReadOnlyList<string> words => $"`[{string.Join(", ", words)}]`",
        IReadOnlyDictionary<string, string> { Count: 0 } => "`{}`",
        IReadOnlyDictionary<string, string> map => $"`{{{string.Join(", ", map.Select(e => $"{e.Key}: {e.Value}"))}}}`",
        bool flag => flag ? "`true`" : "`false`",
        double number => $"`{ConfigKey.Format(number)}`",
        IFormattable number => $"`{number.ToString(null, System.Globalization.CultureInfo.InvariantCulture)}`",
        _ => $"`{value}`",
    };

    private static string TypeLabel(Type type)
    {
        var name = ConfigTree.TypeName(type);
        return name.StartsWith("a ", StringComparison.Ordinal) ? name[2..] : name;
    }

    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal);
}
