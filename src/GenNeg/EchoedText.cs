using System.Text.RegularExpressions;

namespace GenNeg;

/// <summary>
/// Keeps what an error message repeats back to the user short: a value of megabytes echoed whole makes a line nobody
/// can read (and a log nobody can open). A long value keeps its start and end and says how long it was.
/// </summary>
public static partial class EchoedText
{
    /// <summary>Values up to this many characters are shown whole.</summary>
    public const int MaxValueLength = 200;

    /// <summary>Runs without spaces up to this many characters are left alone (long paths stay readable).</summary>
    private const int MaxUnbrokenLength = 400;

    /// <summary><paramref name="value"/>, or its first and last characters and its length when it is longer than <paramref name="max"/>.</summary>
    public static string Shorten(string value, int max = MaxValueLength) =>
        value.Length <= max ? value : $"{value[..(max * 2 / 3)]}...{value[^(max / 6)..]} ({value.Length:N0} characters)";

    /// <summary><paramref name="message"/> with every long quoted value, and every very long run without spaces, shortened.</summary>
    public static string ShortenValues(string message)
    {
        if (message.Length <= MaxValueLength) return message;
        var quoted = QuotedValue().Replace(message, m => $"'{Shorten(m.Groups[1].Value)}'");
        return UnbrokenRun().Replace(quoted, m => Shorten(m.Value, MaxUnbrokenLength));
    }

    // Longer than MaxValueLength. A quote opens after a space, bracket or sign and closes before one, so the apostrophe of "can't" opens nothing.
    [GeneratedRegex("""(?<=^|[\s(=:,])'([^'\n]{201,})'(?=$|[\s),.;:?!])""")]
    private static partial Regex QuotedValue();

    [GeneratedRegex(@"\S{401,}")]
    private static partial Regex UnbrokenRun();
}
