using System.Runtime.InteropServices;

namespace AspireScale.AppHost.Processes;

// Giving a folder to the system user a server runs as, and making sure that user can reach it.
public static partial class FileOwnership
{
    public static void GiveTo(string path, string? user)
    {
        if (user is null)
        {
            return;
        }

        var (uid, gid) = Lookup(user);
        if (chown(path, uid, gid) != 0)
        {
            throw new IOException($"chown {user} {path} failed (errno {Marshal.GetLastPInvokeError()}).");
        }
    }

    // Every folder above `path` needs o+x for another user to reach it (a 0700 home or /root would stop postgres).
    public static void EnsureTraversable(string path, string? user)
    {
        if (user is null)
        {
            return;
        }

        for (var dir = new DirectoryInfo(path).Parent; dir is not null; dir = dir.Parent)
        {
            var mode = File.GetUnixFileMode(dir.FullName);
            if (!mode.HasFlag(UnixFileMode.OtherExecute))
            {
                File.SetUnixFileMode(dir.FullName, mode | UnixFileMode.OtherExecute);
            }
        }
    }

    private static (uint Uid, uint Gid) Lookup(string user)
    {
        foreach (var line in File.ReadLines("/etc/passwd"))
        {
            var fields = line.Split(':');
            if (fields.Length > 3 && fields[0] == user)
            {
                return (uint.Parse(fields[2]), uint.Parse(fields[3]));
            }
        }

        throw new InvalidOperationException($"The system user '{user}' does not exist. Install PostgreSQL with: sudo apt-get install postgresql-15");
    }

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int chown(string path, uint owner, uint group);
}
