using System.Security.Cryptography;

namespace AspireScale.AppHost.Hosting;

// Generated once into <data>/secrets/ (0600 files in a 0700 folder) and reused: a second start keeps the same passwords,
// so the PostgreSQL cluster and the RabbitMQ database made by the first one still accept them. Never in the repository.
public sealed class Secrets
{
    private const string PasswordAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    private readonly string _folder;
    private readonly Dictionary<string, string> _values = [];
    private readonly Lock _gate = new();

    public Secrets(string dataDirectory)
    {
        _folder = Path.Combine(dataDirectory, "secrets");
        Directory.CreateDirectory(_folder);
        File.SetUnixFileMode(_folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    // Letters and digits only: safe unquoted in connection strings, URIs and config files.
    public string Password(string name) => GetOrCreate(name, () => RandomNumberGenerator.GetString(PasswordAlphabet, 32));

    public string JwtSigningKey() => GetOrCreate("jwt-signing-key", () => Convert.ToBase64String(RandomNumberGenerator.GetBytes(64)));

    // Under a lock and remembered: replicas start in parallel, and two of them generating "the" key at once would each
    // get a different one (a token signed by api-0 would then fail on api-1).
    private string GetOrCreate(string name, Func<string> generate)
    {
        lock (_gate)
        {
            if (!_values.TryGetValue(name, out var value))
            {
                _values[name] = value = ReadOrCreate(name, generate);
            }

            return value;
        }
    }

    private string ReadOrCreate(string name, Func<string> generate)
    {
        var path = Path.Combine(_folder, name);
        if (File.Exists(path))
        {
            return File.ReadAllText(path).Trim();
        }

        var value = generate();
        var temp = path + ".tmp";
        using (var stream = new FileStream(temp, new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        }))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(value);
        }

        File.Move(temp, path, overwrite: true);
        return value;
    }
}
