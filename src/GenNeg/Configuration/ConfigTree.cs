using System.Collections;
using System.Globalization;
using System.Reflection;
using YamlDotNet.RepresentationModel;
using YamlDotNet.Serialization.NamingConventions;

namespace GenNeg.Configuration;

/// <summary>
/// How config records map to YAML, for the loader, the writer and the reference alike: each public settable property
/// is a key, its name in snake_case (LearningRate is learning_rate); a record-typed property is a section.
/// </summary>
public static class ConfigTree
{
    public static IEnumerable<PropertyInfo> Properties(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite && p.Name != "EqualityContract");

    public static string KeyOf(PropertyInfo property) => UnderscoredNamingConvention.Instance.Apply(property.Name);

    public static bool IsSection(Type type) =>
        type.IsClass && type != typeof(string) && !typeof(IEnumerable).IsAssignableFrom(type);

    public static string TypeName(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type == typeof(int) || type == typeof(long) ? "a whole number"
            : type == typeof(double) ? "a number"
            : type == typeof(bool) ? "true or false"
            : type == typeof(IReadOnlyList<double>) ? "a list of numbers"
            : type == typeof(IReadOnlyList<string>) ? "a list of words"
            : type == typeof(IReadOnlyDictionary<string, string>) ? "a mapping of names to words"
            : "text";
    }

    /// <summary>A record as a YAML mapping, every key written (a named part's keys under its name).</summary>
    public static YamlMappingNode ToNode(object record)
    {
        var node = new YamlMappingNode();
        foreach (var property in Properties(record.GetType()))
        {
            var value = property.GetValue(record);
            if (property.GetCustomAttribute<NamedSectionAttribute>() is { } named)
            {
                // A data set without keys of its own has no section.
                if (value is not null)
                    node.Add((string)record.GetType().GetProperty(named.NameProperty)!.GetValue(record)!, ToNode(value));
                continue;
            }
            node.Add(KeyOf(property), value switch
            {
                null => new YamlScalarNode(),
                IReadOnlyList<double> list => new YamlSequenceNode(list.Select(v => Scalar(v))),
                IReadOnlyList<string> words => new YamlSequenceNode(words.Select(w => Scalar(w))),
                IReadOnlyDictionary<string, string> map => new YamlMappingNode(map.Select(e => new KeyValuePair<YamlNode, YamlNode>(Scalar(e.Key), Scalar(e.Value)))),
                _ when IsSection(value.GetType()) => ToNode(value),
                _ => Scalar(value),
            });
        }
        return node;
    }

    private static YamlScalarNode Scalar(object value) => value switch
    {
        string text => new YamlScalarNode(text),
        bool flag => new YamlScalarNode(flag ? "true" : "false"),
        double number => new YamlScalarNode(number.ToString("R", CultureInfo.InvariantCulture)),
        IFormattable number => new YamlScalarNode(number.ToString(null, CultureInfo.InvariantCulture)),
        _ => throw new InvalidOperationException($"config value of type {value.GetType().Name} has no YAML form"),
    };
}
