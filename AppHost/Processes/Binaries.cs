namespace AspireScale.AppHost.Processes;

// Finds a server binary on PATH or where Debian/Ubuntu packages put it; a missing one names the package to install.
public static class Binaries
{
    private static readonly string[] StandardFolders = ["/usr/sbin", "/usr/bin", "/usr/lib/rabbitmq/bin", "/usr/local/bin", "/usr/local/sbin"];

    public static string Find(string name, string aptPackage)
    {
        var path = Environment.GetEnvironmentVariable("PATH")?.Split(':', StringSplitOptions.RemoveEmptyEntries) ?? [];
        var postgresFolders = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").OrderByDescending(VersionOf).Select(d => Path.Combine(d, "bin"))
            : [];

        // PostgreSQL's tools are not on PATH on Debian; prefer the packaged version 15 when several are installed.
        IEnumerable<string> folders = name is "postgres" or "initdb" or "pg_basebackup"
            ? [.. postgresFolders.OrderByDescending(d => d.Contains("/15/", StringComparison.Ordinal)), .. path]
            : [.. StandardFolders.Where(d => name.StartsWith("rabbitmq", StringComparison.Ordinal) && d.Contains("rabbitmq", StringComparison.Ordinal)), .. path, .. StandardFolders];

        return folders.Select(folder => Path.Combine(folder, name)).FirstOrDefault(File.Exists)
            ?? throw new FileNotFoundException($"'{name}' was not found on PATH or in the standard locations. Install it with: sudo apt-get install {aptPackage}");
    }

    private static int VersionOf(string folder) => int.TryParse(Path.GetFileName(folder), out var v) ? v : 0;
}
