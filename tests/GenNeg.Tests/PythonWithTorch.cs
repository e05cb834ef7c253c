using System.Diagnostics;

namespace GenNeg.Tests;

/// <summary>A python3 that imports torch and numpy, for the tests that run the PyTorch sample.</summary>
internal static class PythonWithTorch
{
    /// <summary>
    /// GENNEG_PYTHON when set, else python3 on the PATH, else the system's own interpreter (where Debian's python3-torch
    /// installs, when a version manager's python3 comes first on the PATH); null when none of them imports torch.
    /// </summary>
    public static string? Find()
    {
        var candidates = new[] { Environment.GetEnvironmentVariable("GENNEG_PYTHON"), "python3", "/usr/bin/python3" };
        return candidates.Where(c => !string.IsNullOrEmpty(c)).FirstOrDefault(c => TryRun(c!, ["-c", "import torch, numpy"], out var code, out _, out _) && code == 0);
    }

    /// <summary>The interpreter <see cref="Find"/> gives; the calling test is skipped, saying why, when there is none.</summary>
    public static string Require()
    {
        var python = Find();
        Skip.If(python is null, "python3 with torch and numpy is not installed; install python3-torch and python3-numpy to run this test");
        return python!;
    }

    public static (int Code, string Error) Run(string python, params string[] arguments)
    {
        var (code, _, error) = RunForOutput(python, arguments);
        return (code, error);
    }

    /// <summary>Runs the script and returns what it printed as well.</summary>
    public static (int Code, string Output, string Error) RunForOutput(string python, params string[] arguments)
    {
        Assert.True(TryRun(python, arguments, out var code, out var output, out var error), $"cannot start {python}");
        return (code, output, error);
    }

    private static bool TryRun(string python, string[] arguments, out int code, out string output, out string error)
    {
        var start = new ProcessStartInfo(python) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        try
        {
            using var process = Process.Start(start)!;
            var errorText = process.StandardError.ReadToEndAsync();
            output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            error = errorText.Result;
            code = process.ExitCode;
            return true;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            (code, output, error) = (-1, "", "");
            return false;
        }
    }
}
