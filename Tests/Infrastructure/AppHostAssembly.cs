using System.Reflection;

namespace AspireScale.Tests.Infrastructure;

// The built AppHost.dll, for the few pure-logic tests of the AppHost (backoff, option parsing). Tests.csproj builds the
// AppHost but does not reference its assembly (it is an executable whose top-level Program would clash with the Api's),
// so these tests load it and call through reflection.
public static class AppHostAssembly
{
    private static readonly Lazy<Assembly> Loaded = new(() => Assembly.LoadFrom(DistributedApplicationTestingBuilder.AppHostDll()));

    public static string Path => DistributedApplicationTestingBuilder.AppHostDll();

    public static Type Type(string fullName) => Loaded.Value.GetType(fullName, throwOnError: true)!;

    public static object? Invoke(object? target, Type type, string method, params object?[] args)
    {
        try
        {
            return type.GetMethod(method, [.. args.Select(a => a!.GetType())])
                ?.Invoke(target, args) ?? type.GetMethod(method)!.Invoke(target, args);
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            throw ex.InnerException;
        }
    }

    public static object? Property(object target, string name) => target.GetType().GetProperty(name)!.GetValue(target);
}
