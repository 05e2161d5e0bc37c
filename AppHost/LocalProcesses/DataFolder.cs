using System.Security.Cryptography;

namespace AspireScale.AppHost.LocalProcesses;

// <data>/: each server's files in a folder named after its resource, and generated secrets in <data>/secrets (0600 files
// in a 0700 folder), made on first run and reused, so a cluster initialised by one run accepts the next run's passwords.
// Never in the repository.
public sealed class DataFolder
{
    private const string PasswordAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    private readonly Lock _gate = new();

    public DataFolder(string path, bool fresh)
    {
        Path = path;
        // --fresh: everything but the lock the AppHost holds on the folder (AppHostLock).
        foreach (var entry in fresh && Directory.Exists(path) ? new DirectoryInfo(path).GetFileSystemInfos() : [])
        {
            if (entry.Name is not ("apphost.lock" or "apphost.pid"))
            {
                if (entry is DirectoryInfo folder)
                {
                    folder.Delete(recursive: true);
                }
                else
                {
                    entry.Delete();
                }
            }
        }

        Directory.CreateDirectory(SecretsFolder);
        File.SetUnixFileMode(SecretsFolder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    public string Path { get; }

    private string SecretsFolder => System.IO.Path.Combine(Path, "secrets");

    public string For(string resourceName) => System.IO.Path.Combine(Path, resourceName);

    // Letters and digits only: safe unquoted in connection strings, URIs and config files.
    public string Password(string name) => GetOrCreate(name, () => RandomNumberGenerator.GetString(PasswordAlphabet, 32));

    public string SigningKey(string name) => GetOrCreate(name, () => Convert.ToBase64String(RandomNumberGenerator.GetBytes(64)));

    private string GetOrCreate(string name, Func<string> generate)
    {
        lock (_gate)
        {
            var path = System.IO.Path.Combine(SecretsFolder, name);
            if (File.Exists(path))
            {
                return File.ReadAllText(path).Trim();
            }

            var value = generate();
            var temp = path + ".tmp";
            File.WriteAllText(temp, value);
            File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            File.Move(temp, path, overwrite: true);
            return value;
        }
    }
}
