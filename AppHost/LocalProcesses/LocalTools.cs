using System.Diagnostics;

namespace AspireScale.AppHost.LocalProcesses;

// The OS packages' binaries and the one-off commands that prepare a server's folder (initdb, pg_basebackup), which run to
// completion before DCP starts the server itself.
internal static class LocalTools
{
    private static readonly string[] StandardFolders = ["/usr/sbin", "/usr/bin", "/usr/local/bin", "/usr/local/sbin"];

    public static bool IsRoot => Environment.UserName == "root";

    // PostgreSQL refuses to run as root: as root we drop to the postgres user (Debian's package creates it) with setpriv.
    public static string? PostgresUser => IsRoot ? "postgres" : null;

    public static string Find(string name, string aptPackage, params string[] preferredFolders)
    {
        var path = Environment.GetEnvironmentVariable("PATH")?.Split(':', StringSplitOptions.RemoveEmptyEntries) ?? [];
        return preferredFolders.Concat(path).Concat(StandardFolders)
            .Select(folder => Path.Combine(folder, name))
            .FirstOrDefault(File.Exists)
            ?? throw new FileNotFoundException($"'{name}' was not found on PATH or in the standard locations. Install it with: sudo apt-get install {aptPackage}");
    }

    // PostgreSQL's tools are not on PATH on Debian; the newest packaged version wins, 15 first where several are installed.
    public static string FindPostgres(string name) =>
        Find(name, "postgresql", Directory.Exists("/usr/lib/postgresql")
            ? [.. Directory.GetDirectories("/usr/lib/postgresql")
                .OrderByDescending(d => Path.GetFileName(d) == "15")
                .ThenByDescending(d => int.TryParse(Path.GetFileName(d), out var v) ? v : 0)
                .Select(d => Path.Combine(d, "bin"))]
            : []);

    // The command line for a program that must run as `user` (null: as ourselves).
    public static (string Command, string[] Args) AsUser(string? user, string program, params string[] args) =>
        user is null ? (program, args) : ("setpriv", ["--reuid", user, "--regid", user, "--init-groups", "--", program, .. args]);

    public static async Task RunToCompletionAsync(string? user, string program, IReadOnlyList<string> args, string workingDirectory,
        IReadOnlyDictionary<string, string>? environment, ILogger logger, CancellationToken cancellationToken)
    {
        var (command, fullArgs) = AsUser(user, program, [.. args]);
        var start = new ProcessStartInfo(command) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in fullArgs)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start.");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        foreach (var line in (await output + await errors).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            logger.LogInformation("{Program}: {Line}", Path.GetFileName(program), line);
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(program)} exited with code {process.ExitCode}; its output is in the resource's log.");
        }
    }

    // A folder only `user` may use (PostgreSQL insists on 0700), reachable by it through the folders above.
    public static void PrepareOwnedFolder(string folder, string? user)
    {
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }

        Directory.CreateDirectory(folder);
        File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        if (user is not null)
        {
            GiveTo(folder, user);
            for (var parent = Path.GetDirectoryName(folder); parent is not null && parent != "/"; parent = Path.GetDirectoryName(parent))
            {
                File.SetUnixFileMode(parent, File.GetUnixFileMode(parent) | UnixFileMode.OtherExecute);
            }
        }
    }

    public static void GiveTo(string path, string user)
    {
        using var chown = Process.Start("chown", [$"{user}:{user}", path]) ?? throw new InvalidOperationException("chown did not start.");
        chown.WaitForExit();
        if (chown.ExitCode != 0)
        {
            throw new InvalidOperationException($"chown {user} {path} failed with code {chown.ExitCode}.");
        }
    }
}
