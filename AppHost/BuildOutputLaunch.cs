using System.Reflection;

namespace AspireScale.AppHost;

// Outside an IDE, DCP starts each project with `dotnet run --project … --no-build`: one MSBuild evaluation per start
// (2-4 s of CPU on 2 cores, on the start-up's critical path three times: migrations, API, gateway) and a `dotnet run`
// process of ~60 MB kept alive beside every service. The AppHost's build has already built them (project references), so
// we start the built program itself, bin/<configuration>/net10.0/<Name>, as `dotnet run --no-build` would. Measured in
// bench/startup/compare.sh. Under an IDE (F5) Aspire's own launch stays, so the debugger attaches; and a project whose
// output is missing (not built) falls back to it too.
public static class BuildOutputLaunch
{
    public static IResourceBuilder<ProjectResource> WithBuildOutputLaunch(this IResourceBuilder<ProjectResource> project)
    {
        var configuration = project.ApplicationBuilder.Configuration;
        var underIde = !string.IsNullOrEmpty(configuration["DEBUG_SESSION_PORT"]) || configuration["DOTNET_WATCH"] == "1";
        if (underIde || project.ApplicationBuilder.ExecutionContext.IsPublishMode
            || !project.Resource.TryGetLastAnnotation<IProjectMetadata>(out var metadata))
        {
            return project;
        }

        var projectDirectory = Path.GetDirectoryName(metadata.ProjectPath)!;
        var program = Path.Combine(projectDirectory, "bin", Configuration, "net10.0", Path.GetFileNameWithoutExtension(metadata.ProjectPath));
        return File.Exists(program)
            ? project.WithAnnotation(new ExecutableAnnotation { Command = program, WorkingDirectory = projectDirectory }, ResourceAnnotationMutationBehavior.Replace)
            : project;
    }

    // The AppHost's own configuration: the projects it references were built in the same one.
    private static string Configuration { get; } =
        typeof(BuildOutputLaunch).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
}
