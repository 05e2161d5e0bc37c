namespace AspireScale.AppHost.Processes;

// <data>/logs/<replica id>.log: everything a replica writes, across its restarts.
public sealed class ReplicaLog : IDisposable
{
    private readonly StreamWriter _writer;
    private readonly Lock _gate = new();

    public ReplicaLog(string folder, string replicaId)
    {
        Directory.CreateDirectory(folder);
        Path = System.IO.Path.Combine(folder, replicaId + ".log");
        _writer = new StreamWriter(new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
    }

    public string Path { get; }

    public void Write(string line)
    {
        lock (_gate)
        {
            _writer.Write(DateTime.UtcNow.ToString("HH:mm:ss.fff "));
            _writer.WriteLine(line);
        }
    }

    public void Dispose() => _writer.Dispose();
}
