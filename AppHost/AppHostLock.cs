namespace AspireScale.AppHost;

// One AppHost per data folder: a second one would start a second PostgreSQL on the same cluster files. The lock is an
// flock on <data>/apphost.lock (.NET takes one for FileShare.None), so the kernel drops it when the AppHost dies however
// it dies and no stale file can block the next start; <data>/apphost.pid says who holds it.
public sealed class AppHostLock : IDisposable
{
    private readonly FileStream _lock;
    private readonly string _pidFile;

    private AppHostLock(FileStream held, string pidFile) => (_lock, _pidFile) = (held, pidFile);

    // Exits with code 1 and a message naming the holder when another AppHost has the folder.
    public static AppHostLock Acquire(string dataDirectory)
    {
        Directory.CreateDirectory(dataDirectory);
        var pidFile = Path.Combine(dataDirectory, "apphost.pid");
        try
        {
            var held = new FileStream(Path.Combine(dataDirectory, "apphost.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            File.WriteAllText(pidFile, Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
            return new AppHostLock(held, pidFile);
        }
        catch (IOException)
        {
            var holder = File.Exists(pidFile) ? File.ReadAllText(pidFile).Trim() : "unknown";
            Console.Error.WriteLine($"Another AppHost (pid {holder}) is running with the data folder {dataDirectory}. Stop it, or use --data.");
            Environment.Exit(1);
            throw;
        }
    }

    // A clean stop leaves no pid file; after a crash the stale one names a dead process and the free lock lets the next in.
    public void Dispose()
    {
        File.Delete(_pidFile);
        _lock.Dispose();
    }
}
