namespace NginxKit.Engine.Diagnostics;

/// <summary>The subset of PowerShell's ErrorCategory the engine uses; names match exactly.</summary>
public enum ProblemCategory
{
    InvalidArgument,
    InvalidData,
    InvalidOperation,
    InvalidResult,
    ObjectNotFound,
    PermissionDenied,
    ResourceExists,
    ResourceUnavailable,
    ConnectionError,
    NotInstalled,
    OperationTimeout,
    ParserError,
    ReadError,
    WriteError,
    SecurityError,
    AuthenticationError,
    LimitsExceeded,
    NotImplemented,
}
