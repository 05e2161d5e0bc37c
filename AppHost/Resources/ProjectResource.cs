using AspireScale.AppHost.Hosting;

namespace AspireScale.AppHost.Resources;

// A .NET project run as `dotnet <dll>`, one process per replica (api-0, api-1, ...).
public sealed class ProjectResource(string name, IProjectMetadata project) : Resource(name)
{
    public override string Kind => "project";

    public IProjectMetadata Project { get; } = project;

    public int Replicas { get; set; } = 1;

    // Set when something waits for this project's completion: it is a job (migrations), not a service.
    public bool RunToCompletion { get; set; }

    // Its http endpoint is the system's front door (the gateway): the `ready:` URL, external in the manifest.
    public bool External { get; set; }

    // The port its front door listens on when External; 0 = a free one.
    public int ExternalPort { get; set; }

    // A gateway reaches each replica by name (api-0, api-1, ... even when there is one).
    public bool Balanced { get; set; }

    // Gets Jwt__SigningKey: it issues and validates tokens.
    public bool SignsTokens { get; set; }

    public List<IResourceWithConnectionString> References { get; } = [];

    // services__<name>__http__0: a reference to one project's single endpoint.
    public List<ProjectResource> ServiceReferences { get; } = [];

    // Projects whose every replica this one reaches by itself: services__<replica>__http__0 for each, and a YARP
    // destination http://<replica> in the cluster named after the project (the gateway).
    public List<ProjectResource> ReplicaDestinations { get; } = [];

    // WithEnvironment: settings of the project's own.
    public Dictionary<string, string> Environment { get; } = [];

    public List<Resource> WaitFor { get; } = [];

    public List<ProjectResource> WaitForCompletion { get; } = [];

    // Assigned once per replica before anything starts and kept across its restarts, so that whatever was given its
    // address in its environment (the gateway) still reaches it after a restart.
    public int[] Ports { get; set; } = [];

    public string ReplicaId(int index) => RunToCompletion || Replicas == 1 && !Balanced ? Name : $"{Name}-{index}";

    public string ReplicaUrl(int index) => $"http://127.0.0.1:{Ports[index]}";
}
