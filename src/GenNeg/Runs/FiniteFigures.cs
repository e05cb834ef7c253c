using System.Collections;
using System.Reflection;
using System.Text.Json;

namespace GenNeg.Runs;

/// <summary>
/// Refuses NaN and infinite figures before they are written to JSON: the file would be invalid JSON, or a figure
/// would silently stand for a model that diverged. The message names the figure.
/// </summary>
public static class FiniteFigures
{
    /// <param name="what">what the figures describe, for the message (e.g. "stage 'baseline'")</param>
    /// <param name="likelyCause">what usually makes such a figure non-finite, for the message</param>
    public static void Check(object? value, string what, string likelyCause = "the model has probably diverged")
    {
        if (FirstNonFinite(value, "") is { } found)
            throw new GenNegException($"{what}: figure '{found.Path}' is {found.Value} (not a finite number); " +
                $"{likelyCause}; nothing was recorded");
    }

    private static (string Path, double Value)? FirstNonFinite(object? value, string path)
    {
        switch (value)
        {
            case null or string or bool or Enum: return null;
            case double d: return double.IsFinite(d) ? null : (path, d);
            case float f: return float.IsFinite(f) ? null : (path, f);
            case IDictionary dictionary:
                foreach (DictionaryEntry entry in dictionary)
                    if (FirstNonFinite(entry.Value, Join(path, entry.Key.ToString() ?? "")) is { } inDictionary) return inDictionary;
                return null;
            case IEnumerable items:
                var i = 0;
                foreach (var item in items)
                    if (FirstNonFinite(item, $"{path}[{i++}]") is { } inList) return inList;
                return null;
        }
        var type = value.GetType();
        if (type.IsPrimitive || type == typeof(decimal)) return null;
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length > 0 || property.Name == "EqualityContract") continue;
            var name = JsonNamingPolicy.SnakeCaseLower.ConvertName(property.Name);
            if (FirstNonFinite(property.GetValue(value), Join(path, name)) is { } found) return found;
        }
        return null;
    }

    private static string Join(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";
}
