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

    // Routed to by the gateway.
    public bool External { get; set; }

    public List<IResourceWithConnectionString> References { get; } = [];

    public List<ProjectResource> ServiceReferences { get; } = [];

    public List<Resource> WaitFor { get; } = [];

    public List<ProjectResource> WaitForCompletion { get; } = [];

    public string ReplicaId(int index) => RunToCompletion || Replicas == 1 && !External ? Name : $"{Name}-{index}";
}

// The YARP load balancer, hosted inside the AppHost process.
public sealed class GatewayResource(string name, ProjectResource target) : Resource(name)
{
    public override string Kind => "gateway";

    public ProjectResource Target { get; } = target;

    public int Port { get; set; }

    // The Api's own limit (Api/Data/Limits.RequestBodyBytes): refused at the edge, because an upstream that answers 413
    // and closes mid-upload leaves the proxy a broken pipe to report as 502.
    public long MaxRequestBodyBytes { get; set; } = 256 * 1024;
}
