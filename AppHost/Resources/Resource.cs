namespace AspireScale.AppHost.Resources;

// The application model: what runs, what it references and what it waits for. Runtime values that are fixed for the
// life of the AppHost (ports of backing services, generated passwords) are filled in by the "assign ports" stage.
public abstract class Resource(string name)
{
    public string Name { get; } = name;

    // The `kind` written into apphost.json.
    public abstract string Kind { get; }

    public override string ToString() => Name;
}

// Something a project can reference: it becomes ConnectionStrings__<name> in the project's environment.
public interface IResourceWithConnectionString
{
    string Name { get; }

    // The server whose health a reference waits on.
    Resource Server { get; }

    string GetConnectionString();
}
