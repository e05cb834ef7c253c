namespace GenNeg.Configuration;

/// <summary>Finds the place of YAML mistakes the parser reports at the wrong line, or at none.</summary>
internal static class YamlSyntax
{
    /// <summary>The first tab in a line's indentation (1-based line and column), or null.</summary>
    public static (int Line, int Column)? FirstIndentingTab(string yaml)
    {
        var lines = yaml.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var indentation = lines[i].Length - lines[i].TrimStart(' ', '\t').Length;
            var tab = lines[i].IndexOf('\t', 0, indentation);
            if (tab >= 0) return (i + 1, tab + 1);
        }
        for (var i = 0; i < lines.Length; i++)
            if (lines[i].IndexOf('\t') is var anywhere and >= 0) return (i + 1, anywhere + 1);
        return null;
    }

    /// <summary>The first '[' or '{' never closed (outside quotes and comments), or null.</summary>
    public static (int Line, int Column, char Bracket)? FirstUnclosedBracket(string yaml)
    {
        var open = new Stack<(int Line, int Column, char Bracket)>();
        var lines = yaml.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            char? quote = null;
            for (var j = 0; j < lines[i].Length; j++)
            {
                var c = lines[i][j];
                if (quote is not null)
                {
                    if (c == quote) quote = null;
                    continue;
                }
                if (c is '"' or '\'') quote = c;
                else if (c == '#' && (j == 0 || char.IsWhiteSpace(lines[i][j - 1]))) break;
                else if (c is '[' or '{') open.Push((i + 1, j + 1, c));
                else if (c is ']' or '}' && open.Count > 0) open.Pop();
            }
        }
        return open.Count > 0 ? open.Reverse().First() : null;
    }
}
