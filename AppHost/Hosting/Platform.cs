// setpriv, /proc, PR_SET_PDEATHSIG, Unix file modes: the AppHost runs on Linux only.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
