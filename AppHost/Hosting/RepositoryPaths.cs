namespace AspireScale.AppHost.Hosting;

public static class RepositoryPaths
{
    // The folder holding AspireScale.sln, found by walking up from the AppHost's own binaries; the current folder otherwise.
    public static string Root { get; } = FindRoot();

    public static string Relative(string path) => Path.GetRelativePath(Root, path).Replace('\\', '/');

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "AspireScale.sln")))
            {
                return dir.FullName;
            }
        }

        return Directory.GetCurrentDirectory();
    }
}
