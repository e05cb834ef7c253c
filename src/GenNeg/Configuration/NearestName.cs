namespace GenNeg.Configuration;

/// <summary>Suggestions for misspelled names (config keys, commands): the closest candidate by edit distance.</summary>
public static class NearestName
{
    /// <summary>The candidate nearest to <paramref name="word"/>, or null when none is close enough to be what was meant.</summary>
    public static string? Find(string word, IEnumerable<string> candidates)
    {
        var exactButCase = candidates.FirstOrDefault(c => string.Equals(c, word, StringComparison.OrdinalIgnoreCase));
        if (exactButCase is not null) return exactButCase;
        var limit = Math.Max(2, word.Length / 3);
        // The distance is at least the difference in length: skip the table (of gigabytes for a megabyte word) then.
        var nearest = candidates
            .Where(candidate => Math.Abs(candidate.Length - word.Length) <= limit)
            .Select(candidate => (candidate, distance: EditDistance(candidate.ToLowerInvariant(), word.ToLowerInvariant())))
            .DefaultIfEmpty((candidate: "", distance: int.MaxValue))
            .MinBy(pair => pair.distance);
        return nearest.distance <= limit ? nearest.candidate : null;
    }

    /// <summary>Levenshtein distance, with a swap of two neighbouring letters counting as one edit ("trian" is one from "train").</summary>
    public static int EditDistance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (var j = 0; j <= b.Length; j++) d[0, j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        }
        return d[a.Length, b.Length];
    }
}
