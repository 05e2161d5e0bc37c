// setpriv, chown and Unix file modes: the local-process mode runs on Linux.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
