using GenNeg.Configuration;
using GenNeg.Data;

namespace GenNeg.Domains.Motion.Files;

/// <summary>Sequences read from files: positions [N, frames, joints, 3] flattened, action index per sequence, action names.</summary>
public sealed record LoadedSequences(float[] Positions, long[] Actions, IReadOnlyList<string> ActionNames, int Joints);

/// <summary>
/// Users' own motions: a folder with one .npy file per sequence, [frames, joints, 3] joint positions in metres with
/// y up and the floor at y = 0 (HumanML3D's new_joints layout), and labels.csv with a header line "file,label" and
/// one line per sequence (file relative to the folder, label any class name). Every file needs the same joint count.
/// Sequences longer than data.motion.frames keep their first frames; shorter ones repeat their last frame (the figure
/// holds still, so padding adds no penetration). Action indices follow the labels in ordinal order.
/// </summary>
public static class MotionSequenceFolder
{
    public const string LabelsFile = "labels.csv";

    public static LoadedSequences Load(string folder, int frames)
    {
        if (!Directory.Exists(folder)) throw ConfigKey.Error("data.motion.sequences", $": folder '{folder}' not found");
        var labelsPath = Path.Combine(folder, LabelsFile);
        if (!File.Exists(labelsPath)) throw new GenNegException($"'{labelsPath}' not found: the sequences need labels (a CSV with the header file,label)");
        var rows = ReadLabels(labelsPath);
        var names = rows.Select(r => r.Label).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var joints = -1;
        var positions = new List<float>();
        foreach (var (file, _) in rows)
        {
            var path = Path.Combine(folder, file);
            var array = NpyFile.Read(path);
            if (array.Shape.Length != 3 || array.Shape[2] != 3 || array.Shape[0] < 1)
                throw new GenNegException($"'{path}' holds an array of shape ({string.Join(", ", array.Shape)}); a sequence is [frames, joints, 3]");
            if (joints >= 0 && array.Shape[1] != joints)
                throw new GenNegException($"'{path}' has {array.Shape[1]} joints, the files before it {joints}; every sequence needs the same skeleton");
            joints = (int)array.Shape[1];
            // A NaN or infinity here would surface later as a diverged training blamed on the learning rate.
            var bad = Array.FindIndex(array.Values, v => !float.IsFinite(v));
            if (bad >= 0)
                throw new GenNegException($"'{path}' holds a non-finite position ({(float.IsNaN(array.Values[bad]) ? "NaN" : array.Values[bad] > 0 ? "+Infinity" : "-Infinity")}) at frame {bad / (joints * 3)}, joint {bad / 3 % joints}; " +
                    "every joint coordinate must be a finite number");
            positions.AddRange(CropOrPad(array.Values, (int)array.Shape[0], joints * 3, frames));
        }
        var index = names.Select((n, i) => (n, i)).ToDictionary(p => p.n, p => (long)p.i, StringComparer.Ordinal);
        return new LoadedSequences(positions.ToArray(), rows.Select(r => index[r.Label]).ToArray(), names, joints);
    }

    /// <summary>The first <paramref name="frames"/> frames, or all of them followed by copies of the last.</summary>
    public static float[] CropOrPad(float[] values, int available, int frameSize, int frames)
    {
        var result = new float[frames * frameSize];
        for (var f = 0; f < frames; f++)
            Array.Copy(values, Math.Min(f, available - 1) * frameSize, result, f * frameSize, frameSize);
        return result;
    }

    private static List<(string File, string Label)> ReadLabels(string path)
    {
        var lines = File.ReadAllLines(path).Where(l => l.Trim().Length > 0).ToArray();
        if (lines.Length == 0 || lines[0].Replace(" ", "") != "file,label")
            throw new GenNegException($"'{path}' must start with the header line file,label");
        var rows = new List<(string, string)>();
        for (var i = 1; i < lines.Length; i++)
        {
            var cells = lines[i].Split(',');
            if (cells.Length != 2 || cells[0].Trim().Length == 0 || cells[1].Trim().Length == 0)
                throw new GenNegException($"'{path}' line {i + 1}: expected file,label, got '{lines[i]}'");
            rows.Add((cells[0].Trim(), cells[1].Trim()));
        }
        // The same file twice could land in both splits: held-out figures would then measure training data.
        var repeated = rows.GroupBy(r => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, r.Item1))).FirstOrDefault(g => g.Count() > 1);
        if (repeated is not null)
            throw new GenNegException($"'{path}' lists '{repeated.First().Item1}' {repeated.Count()} times; list each sequence once");
        if (rows.Count < 2) throw new GenNegException($"'{path}' lists {rows.Count} sequence(s); training and held-out sets need at least 2");
        return rows;
    }
}
