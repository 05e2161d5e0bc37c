using System.Runtime.InteropServices;

namespace AspireScale.AppHost.Processes;

internal static partial class NativeMethods
{
    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int signal);

    public static bool Signal(int pid, PosixSignalNumber signal) => kill(pid, (int)signal) == 0;

    public static bool IsAlive(int pid) => kill(pid, 0) == 0 || Marshal.GetLastPInvokeError() == 1 /* EPERM: exists */;
}
