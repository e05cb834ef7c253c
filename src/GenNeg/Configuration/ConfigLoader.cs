using System.Globalization;
using System.Reflection;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;
using YamlDotNet.Serialization;

namespace GenNeg.Configuration;

/// <summary>
/// Reads a YAML config into <see cref="GenNegConfig"/>, applies `key=value` overrides, and validates it.
/// Every error names the offending key: unknown keys come with the nearest valid one, wrong types with the expected type.
/// </summary>
public static class ConfigLoader
{
    /// <summary>The largest config file read: a config is a few kilobytes.</summary>
    public const long MaxFileBytes = 1_000_000;

    /// <summary>The longest list a key takes (e.g. evaluate.mmd_bandwidths: a handful are used).</summary>
    public const int MaxListLength = 1_000;

    /// <summary>A user's config file, with `key=value` overrides.</summary>
    public static GenNegConfig LoadFile(string path, ConfigSchema schema, IEnumerable<string>? overrides = null) =>
        Load(path, schema, overrides, otherSections: false);

    /// <summary>
    /// A config a run saved. Older versions wrote every data set's section into it (data.traffic in a checkerboard
    /// run): sections of registered data sets other than data.name are skipped, so those runs still load.
    /// </summary>
    public static GenNegConfig LoadSaved(string path, ConfigSchema schema, IEnumerable<string>? overrides = null) =>
        Load(path, schema, overrides, otherSections: true);

    private static GenNegConfig Load(string path, ConfigSchema schema, IEnumerable<string>? overrides, bool otherSections)
    {
        if (!File.Exists(path)) throw new GenNegException($"config file '{path}' not found");
        // A config is a few kilobytes; a file of megabytes is a mistake that would cost gigabytes to parse.
        var length = new FileInfo(path).Length;
        if (length > MaxFileBytes)
            throw new GenNegException($"config file '{path}' is {length / 1e6:0.#} MB; a config is at most {MaxFileBytes / 1_000_000} MB (those in configs/ are a few KB)");
        var text = File.ReadAllText(path);
        // An empty file would silently mean "every default", i.e. the paper's full budgets: almost never what was meant.
        if (ReadMapping(text, Path.GetFileName(path)).Children.Count == 0)
            throw new GenNegException($"config file '{path}' is empty (or only comments); start from one in configs/");
        return Parse(text, schema, overrides, Path.GetFileName(path), otherSections);
    }

    public static GenNegConfig Parse(string yaml, ConfigSchema schema, IEnumerable<string>? overrides = null, string source = "config") =>
        Parse(yaml, schema, overrides, source, otherSections: false);

    private static GenNegConfig Parse(string yaml, ConfigSchema schema, IEnumerable<string>? overrides, string source, bool otherSections)
    {
        var root = ReadMapping(yaml, source);
        foreach (var assignment in overrides ?? [])
            ApplyOverride(root, assignment);
        var config = (GenNegConfig)new Binder(schema, otherSections).Bind(typeof(GenNegConfig), root, "");
        CheckDeclaredRules(config, "");
        ConfigValidator.Validate(config);
        return config;
    }

    /// <summary>The config as YAML, every key written out (what a run saves next to its outputs).</summary>
    public static string ToYaml(GenNegConfig config) =>
        new SerializerBuilder().Build().Serialize(ConfigTree.ToNode(config));

    /// <summary>All valid keys, dotted (train.learning_rate, ...), with every registered data set's own keys.</summary>
    public static IEnumerable<string> Keys(ConfigSchema schema) => Keys(typeof(GenNegConfig), schema, "");

    private static IEnumerable<string> Keys(Type type, ConfigSchema schema, string prefix)
    {
        foreach (var property in ConfigTree.Properties(type))
        {
            var key = prefix + ConfigTree.KeyOf(property);
            if (property.GetCustomAttribute<NamedSectionAttribute>() is not null)
            {
                foreach (var (name, sectionType) in schema.DataSections.OrderBy(s => s.Key, StringComparer.Ordinal))
                    foreach (var inner in Keys(sectionType, schema, prefix + name + "."))
                        yield return inner;
            }
            else if (ConfigTree.IsSection(property.PropertyType))
            {
                foreach (var inner in Keys(property.PropertyType, schema, key + "."))
                    yield return inner;
            }
            else yield return key;
        }
    }

    /// <summary>
    /// Checks every declared range (<see cref="ValidRangeAttribute"/>) and every record's own rules
    /// (<see cref="ICheckedSection"/>), section by section, naming the dotted key that fails.
    /// </summary>
    public static void CheckDeclaredRules(object record, string section)
    {
        foreach (var property in ConfigTree.Properties(record.GetType()))
        {
            var value = property.GetValue(record);
            var key = property.GetCustomAttribute<NamedSectionAttribute>() is { } named
                ? ConfigKey.In(section, (string)record.GetType().GetProperty(named.NameProperty)!.GetValue(record)!)
                : ConfigKey.In(section, ConfigTree.KeyOf(property));
            if (value is null) continue;
            if (property.GetCustomAttribute<ValidRangeAttribute>() is { } range)
                range.Check(key, Convert.ToDouble(value, CultureInfo.InvariantCulture));
            else if (ConfigTree.IsSection(value.GetType()))
                CheckDeclaredRules(value, key);
        }
        if (record is ICheckedSection checkedSection) checkedSection.Check(section);
    }

    private static YamlMappingNode ReadMapping(string yaml, string source)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            // YamlDotNet places a tab error at the start of the enclosing mapping; point at the tab itself.
            if (e.Message.Contains("tab", StringComparison.OrdinalIgnoreCase) && YamlSyntax.FirstIndentingTab(yaml) is { } tab)
                throw new GenNegException($"{source}: malformed YAML at line {tab.Line}, column {tab.Column}: a tab character; YAML indents with spaces only");
            throw new GenNegException($"{source}: malformed YAML at line {e.Start.Line}, column {e.Start.Column}: {FirstLine(e.Message)}");
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner fails this way (no position) on some unclosed flow collections.
            var where = YamlSyntax.FirstUnclosedBracket(yaml) is { } open ? $" at line {open.Line}, column {open.Column}: '{open.Bracket}' is never closed" : "";
            throw new GenNegException($"{source}: malformed YAML{where}");
        }
        if (stream.Documents.Count == 0) return new YamlMappingNode();
        return stream.Documents[0].RootNode as YamlMappingNode
            ?? throw new GenNegException($"{source}: the top level must be a mapping of keys to values");
    }

    private static void ApplyOverride(YamlMappingNode root, string assignment)
    {
        var equals = assignment.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0) throw new GenNegException($"override '{assignment}' must look like key=value (e.g. train.iterations=500)");
        var path = assignment[..equals].Trim().Split('.');
        var valueText = assignment[(equals + 1)..].Trim();
        var value = ReadMapping("v: " + valueText, $"override '{assignment}'").Children[new YamlScalarNode("v")];

        var node = root;
        foreach (var segment in path[..^1])
        {
            if (!node.Children.TryGetValue(new YamlScalarNode(segment), out var child) || child is not YamlMappingNode mapping)
            {
                mapping = new YamlMappingNode();
                node.Children[new YamlScalarNode(segment)] = mapping;
            }
            node = mapping;
        }
        node.Children[new YamlScalarNode(path[^1])] = value;
    }

    /// <summary>Binds YAML mappings to config records; <paramref name="otherSections"/> skips other data sets' sections (saved runs).</summary>
    private sealed class Binder(ConfigSchema schema, bool otherSections)
    {
        public object Bind(Type type, YamlMappingNode mapping, string prefix)
        {
            var instance = Activator.CreateInstance(type)!;
            var properties = ConfigTree.Properties(type).ToDictionary(ConfigTree.KeyOf);
            var named = properties.Values.FirstOrDefault(p => p.GetCustomAttribute<NamedSectionAttribute>() is not null);
            string? partName = null;
            if (named is not null)
            {
                var nameProperty = type.GetProperty(named.GetCustomAttribute<NamedSectionAttribute>()!.NameProperty)!;
                if (mapping.Children.TryGetValue(new YamlScalarNode(ConfigTree.KeyOf(nameProperty)), out var nameNode))
                    nameProperty.SetValue(instance, ConvertValue(nameProperty.PropertyType, nameNode, prefix + ConfigTree.KeyOf(nameProperty)));
                partName = (string?)nameProperty.GetValue(instance);
                properties.Remove(ConfigTree.KeyOf(named));
            }
            foreach (var (keyNode, valueNode) in mapping.Children)
            {
                var name = ((YamlScalarNode)keyNode).Value ?? "";
                var key = prefix + name;
                if (properties.TryGetValue(name, out var property))
                    property.SetValue(instance, ConvertValue(property.PropertyType, valueNode, key));
                else if (named is not null && name == partName)
                    named.SetValue(instance, BindPart(partName, valueNode, key));
                else if (named is not null && schema.DataSections.ContainsKey(name))
                {
                    if (!otherSections)
                        throw ConfigKey.Error(key, $"holds the keys of data set '{name}', but data.name is '{partName}'; remove it or set data.name: {name}");
                }
                else throw new GenNegException(UnknownKeyMessage(prefix, name, properties.Keys.Concat(partName is null ? [] : [partName])));
            }
            // The resolved config lists the part's defaults too, so a run's config.yaml shows every setting.
            if (named is not null && named.GetValue(instance) is null && partName is not null && schema.DataSections.TryGetValue(partName, out var partType))
                named.SetValue(instance, Activator.CreateInstance(partType));
            return instance;
        }

        private object BindPart(string name, YamlNode node, string key)
        {
            if (!schema.DataSections.TryGetValue(name, out var type))
                throw ConfigKey.Error(key, $": data set '{name}' has no keys of its own");
            return node is YamlMappingNode mapping
                ? Bind(type, mapping, key + ".")
                : throw ConfigKey.Error(key, $"must be a section of keys ({string.Join(", ", Keys(type, schema, key + ".").Take(3))}, ...)");
        }

        private object? ConvertValue(Type type, YamlNode node, string key)
        {
            if (ConfigTree.IsSection(type))
            {
                return node is YamlMappingNode mapping
                    ? Bind(type, mapping, key + ".")
                    : throw ConfigKey.Error(key, $"must be a section of keys ({string.Join(", ", Keys(type, schema, key + ".").Take(3))}, ...)");
            }
            if (type == typeof(IReadOnlyList<double>))
            {
                if (node is not YamlSequenceNode sequence)
                    throw ConfigKey.Error(key, "must be a list of numbers, e.g. [0.1, 0.5]");
                if (sequence.Children.Count > MaxListLength)
                    throw ConfigKey.Error(key, $"lists {sequence.Children.Count:N0} numbers; at most {MaxListLength:N0}");
                return sequence.Children.Select((item, i) => (double)ConvertScalar(typeof(double), item, $"{key}[{i}]")).ToArray();
            }
            if (type == typeof(IReadOnlyList<string>))
            {
                if (node is not YamlSequenceNode sequence)
                    throw ConfigKey.Error(key, "must be a list of words, e.g. [python3, oracle.py]");
                if (sequence.Children.Count > MaxListLength)
                    throw ConfigKey.Error(key, $"lists {sequence.Children.Count:N0} words; at most {MaxListLength:N0}");
                return sequence.Children.Select((item, i) => (string)ConvertScalar(typeof(string), item, $"{key}[{i}]")).ToArray();
            }
            if (type == typeof(IReadOnlyDictionary<string, string>))
            {
                if (node is not YamlMappingNode map)
                    throw ConfigKey.Error(key, "must be a mapping of names to words, e.g. { label: labels.npy }");
                if (map.Children.Count > MaxListLength)
                    throw ConfigKey.Error(key, $"maps {map.Children.Count:N0} names; at most {MaxListLength:N0}");
                var entries = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var (name, value) in map.Children)
                {
                    var text = (string)ConvertScalar(typeof(string), name, key);
                    entries[text] = (string)ConvertScalar(typeof(string), value, $"{key}.{text}");
                }
                return entries;
            }
            // An optional number: empty (or null, ~) leaves it unset.
            if (Nullable.GetUnderlyingType(type) is { } inner)
                return node is YamlScalarNode { Value: null or "" or "null" or "~" } ? null : ConvertScalar(inner, node, key);
            return ConvertScalar(type, node, key);
        }

        /// <summary>Names the unknown key and, when one is close, the key meant: first among its own section's keys
        /// (sections included, any letter case), then among every key by its full dotted name.</summary>
        private string UnknownKeyMessage(string prefix, string name, IEnumerable<string> siblings)
        {
            var key = prefix + name;
            var meant = NearestName.Find(name, siblings) is { } sibling
                ? prefix + sibling
                : NearestName.Find(key, Keys(schema));
            return $"unknown config key '{key}'{(meant is null ? "" : $" (did you mean '{meant}'?)")}";
        }
    }

    private static object ConvertScalar(Type type, YamlNode node, string key)
    {
        var text = (node as YamlScalarNode)?.Value;
        if (text is null)
            throw ConfigKey.Error(key, $"must be a single value, not a {(node is YamlMappingNode ? "section" : "list")}");
        var invariant = CultureInfo.InvariantCulture;
        object? value = type switch
        {
            _ when type == typeof(string) => text,
            _ when type == typeof(int) => int.TryParse(text, NumberStyles.Integer, invariant, out var i) ? i : null,
            _ when type == typeof(long) => long.TryParse(text, NumberStyles.Integer, invariant, out var l) ? l : null,
            _ when type == typeof(double) => double.TryParse(text, NumberStyles.Float, invariant, out var d) && double.IsFinite(d) ? d : null,
            _ when type == typeof(bool) => bool.TryParse(text, out var b) ? b : null,
            _ => throw new InvalidOperationException($"config type {type.Name} of '{key}' has no converter"),
        };
        return value ?? throw ConfigKey.Error(key, $"must be {ConfigTree.TypeName(type)}, got '{text}'");
    }

    private static string FirstLine(string text) => text.Split('\n')[0].Trim();
}
