namespace AspireScale.Tests;

// The folder holding AspireScale.sln, found from the test assembly's location (bin/<config>/net10.0 under Tests/).
public static class RepositoryRoot
{
    private static readonly Lazy<string> Root = new(() =>
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "AspireScale.sln")))
            {
                return directory.FullName;
            }
        }

        throw new DirectoryNotFoundException($"No AspireScale.sln above {AppContext.BaseDirectory}.");
    });

    public static string Find() => Root.Value;
}
