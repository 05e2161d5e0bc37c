namespace AspireScale.AppHost.Hosting;

// Implemented by the generated Projects.* classes (see the GenerateProjectsMetadata target in AppHost.csproj).
public interface IProjectMetadata
{
    string ProjectPath { get; }

    // The built dll, run as `dotnet <TargetPath>`.
    string TargetPath { get; }
}
