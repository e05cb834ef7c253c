namespace GenNeg.Runs;

/// <summary>
/// Checks a manifest read from disk before anything uses it: a format this build knows, and every field a command
/// relies on present, so a damaged file fails with its name and the field instead of deep inside a command.
/// </summary>
internal static class ManifestCheck
{
    public static RunManifest Validated(RunManifest? manifest, string path)
    {
        string Corrupt(string what) => $"'{path}' is corrupt: {what}; restore it from a backup or start a new run";
        if (manifest is null) throw new GenNegException(Corrupt("it holds null instead of a manifest"));
        if (manifest.Format < 1)
            throw new GenNegException(Corrupt($"'format' is {manifest.Format}, expected 1 to {RunManifest.CurrentFormat}"));
        if (manifest.Format > RunManifest.CurrentFormat)
            throw new GenNegException($"'{path}' has manifest format {manifest.Format}, newer than this genneg reads " +
                $"(up to {RunManifest.CurrentFormat}); use the genneg version that made the run");
        if (manifest.Stages is null) throw new GenNegException(Corrupt("'stages' is missing or null"));
        if (manifest.Checksums is null) throw new GenNegException(Corrupt("'checksums' is null"));
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < manifest.Stages.Count; i++)
        {
            var stage = manifest.Stages[i] ?? throw new GenNegException(Corrupt($"stage {i + 1} is null"));
            if (string.IsNullOrWhiteSpace(stage.Name)) throw new GenNegException(Corrupt($"stage {i + 1} has no 'name'"));
            // Stage names become folder names and model paths are opened: a hand-edited manifest must not reach outside the run.
            if (!IsFolderName(stage.Name))
                throw new GenNegException(Corrupt($"stage {i + 1} is named '{stage.Name}', which is not usable as a folder name"));
            if (!names.Add(stage.Name)) throw new GenNegException(Corrupt($"stage '{stage.Name}' appears twice"));
            if (string.IsNullOrWhiteSpace(stage.Denoiser)) throw new GenNegException(Corrupt($"stage '{stage.Name}' has no 'denoiser'"));
            if (!IsInsideRun(stage.Denoiser))
                throw new GenNegException(Corrupt($"the denoiser of stage '{stage.Name}', '{stage.Denoiser}', is not a path inside the run folder"));
            if (stage.Classifiers is null) throw new GenNegException(Corrupt($"stage '{stage.Name}' has no 'classifiers' list"));
            for (var k = 0; k < stage.Classifiers.Count; k++)
            {
                if (stage.Classifiers[k] is not { } classifier || string.IsNullOrWhiteSpace(classifier.Weights))
                    throw new GenNegException(Corrupt($"classifier {k + 1} of stage '{stage.Name}' has no 'weights'"));
                if (!IsInsideRun(classifier.Weights))
                    throw new GenNegException(Corrupt($"classifier {k + 1} of stage '{stage.Name}', '{classifier.Weights}', is not a path inside the run folder"));
            }
        }
        return manifest;
    }

    /// <summary>A single folder name: not empty, no separators or characters a file name cannot hold, not "." or "..".</summary>
    public static bool IsFolderName(string name) =>
        name.Length > 0 && name.IndexOfAny([.. Path.GetInvalidFileNameChars(), '/', '\\']) < 0 && name is not "." and not "..";

    /// <summary>A relative path of folder names separated by '/', so it stays inside the folder it is relative to.</summary>
    public static bool IsInsideRun(string relative) => !Path.IsPathRooted(relative) && relative.Split('/').All(IsFolderName);
}
