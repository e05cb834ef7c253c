using System.Globalization;

namespace GenNeg.Configuration;

/// <summary>Errors and names of configuration keys: every configuration problem starts "config key 'KEY'".</summary>
public static class ConfigKey
{
    /// <summary>
    /// The error for <paramref name="key"/>: <paramref name="problem"/> follows the key after a space ("must be ...",
    /// "(x0) applies to ...") or directly when it starts with a colon (": unknown data set ...").
    /// </summary>
    public static GenNegException Error(string key, string problem) =>
        new($"config key '{key}'{(problem.StartsWith(':') ? "" : " ")}{problem}");

    /// <summary>The dotted key of <paramref name="name"/> inside <paramref name="section"/> (the root has section "").</summary>
    public static string In(string section, string name) => section.Length == 0 ? name : $"{section}.{name}";

    /// <summary>Refuses <paramref name="value"/> unless it is one of <paramref name="allowed"/> (names from the owner's registry or constants).</summary>
    public static void OneOf(string key, string value, IEnumerable<string> allowed)
    {
        var names = allowed.ToArray();
        if (!names.Contains(value, StringComparer.Ordinal))
            throw Error(key, $"must be one of {string.Join(", ", names)}, got '{value}'");
    }

    /// <summary>A number as messages and the reference print it (invariant culture, shortest round-trip form).</summary>
    public static string Format(double value) => value.ToString(CultureInfo.InvariantCulture);
}
