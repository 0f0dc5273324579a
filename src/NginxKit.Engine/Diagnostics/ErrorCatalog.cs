using System.Reflection;

namespace NginxKit.Engine.Diagnostics;

/// <summary>
/// Every ErrorId NginxKit writes, each with the one category it always has. Errors are made only
/// from these entries (<see cref="ErrorKind.Problem"/>, <see cref="ErrorKind.Exception"/>). docs/about_NginxKit.md
/// lists the same ErrorIds, and a test holds the two lists and the tests to each other.
/// </summary>
public static class ErrorCatalog
{
    // Routes: one bad route is skipped, the rest render.
    public static readonly ErrorKind InvalidRoutePath = new(nameof(InvalidRoutePath), ProblemCategory.InvalidData);
    public static readonly ErrorKind InvalidRouteBackend = new(nameof(InvalidRouteBackend), ProblemCategory.InvalidData);
    public static readonly ErrorKind InvalidRoutePort = new(nameof(InvalidRoutePort), ProblemCategory.InvalidData);
    public static readonly ErrorKind InvalidServerName = new(nameof(InvalidServerName), ProblemCategory.InvalidData);
    public static readonly ErrorKind InvalidRouteService = new(nameof(InvalidRouteService), ProblemCategory.InvalidData);
    public static readonly ErrorKind InvalidRouteNamespace = new(nameof(InvalidRouteNamespace), ProblemCategory.InvalidData);
    public static readonly ErrorKind InvalidRouteStripPrefix = new(nameof(InvalidRouteStripPrefix), ProblemCategory.InvalidData);
    public static readonly ErrorKind InvalidRouteInput = new(nameof(InvalidRouteInput), ProblemCategory.InvalidData);
    public static readonly ErrorKind DuplicateRoutePath = new(nameof(DuplicateRoutePath), ProblemCategory.ResourceExists);
    public static readonly ErrorKind InvalidBackendProtocol = new(nameof(InvalidBackendProtocol), ProblemCategory.InvalidData);
    public static readonly ErrorKind InvalidRouteSetting = new(nameof(InvalidRouteSetting), ProblemCategory.InvalidData);

    // Rendering, writing and reloading nginx's config.
    public static readonly ErrorKind InvalidListen = new(nameof(InvalidListen), ProblemCategory.InvalidArgument);
    public static readonly ErrorKind InvalidProxyHeader = new(nameof(InvalidProxyHeader), ProblemCategory.InvalidArgument);
    public static readonly ErrorKind InvalidTimeout = new(nameof(InvalidTimeout), ProblemCategory.InvalidArgument);
    public static readonly ErrorKind InvalidErrorPageRoot = new(nameof(InvalidErrorPageRoot), ProblemCategory.InvalidArgument);
    public static readonly ErrorKind InvalidBodySize = new(nameof(InvalidBodySize), ProblemCategory.InvalidArgument);
    public static readonly ErrorKind InvalidTlsSetting = new(nameof(InvalidTlsSetting), ProblemCategory.InvalidArgument);
    public static readonly ErrorKind InvalidTemplate = new(nameof(InvalidTemplate), ProblemCategory.ParserError);
    public static readonly ErrorKind TemplateNotReadable = new(nameof(TemplateNotReadable), ProblemCategory.ReadError);
    public static readonly ErrorKind NoValidRoutes = new(nameof(NoValidRoutes), ProblemCategory.InvalidData);
    public static readonly ErrorKind ConfigRejected = new(nameof(ConfigRejected), ProblemCategory.InvalidResult);
    public static readonly ErrorKind ReloadFailed = new(nameof(ReloadFailed), ProblemCategory.InvalidOperation);
    public static readonly ErrorKind ConflictingReload = new(nameof(ConflictingReload), ProblemCategory.InvalidArgument);
    public static readonly ErrorKind ReloadNeedsWatch = new(nameof(ReloadNeedsWatch), ProblemCategory.InvalidArgument);
    public static readonly ErrorKind WhatIfNeedsOnce = new(nameof(WhatIfNeedsOnce), ProblemCategory.InvalidOperation);
    public static readonly ErrorKind NginxNotFound = new(nameof(NginxNotFound), ProblemCategory.NotInstalled);
    public static readonly ErrorKind ConfigNotReadable = new(nameof(ConfigNotReadable), ProblemCategory.ReadError);
    public static readonly ErrorKind IncludedFileNotRegular = new(nameof(IncludedFileNotRegular), ProblemCategory.InvalidData);
    public static readonly ErrorKind NginxTestTimeout = new(nameof(NginxTestTimeout), ProblemCategory.OperationTimeout);

    // Resolving URLs against routes or a config (Resolve-NginxRoute).
    public static readonly ErrorKind InvalidRequestUrl = new(nameof(InvalidRequestUrl), ProblemCategory.InvalidArgument);
    public static readonly ErrorKind UnsupportedConfConstruct = new(nameof(UnsupportedConfConstruct), ProblemCategory.NotImplemented);

    // Manifests and Services.
    public static readonly ErrorKind ManifestNotFound = new(nameof(ManifestNotFound), ProblemCategory.ObjectNotFound);
    public static readonly ErrorKind ManifestNotReadable = new(nameof(ManifestNotReadable), ProblemCategory.ReadError);
    public static readonly ErrorKind ManifestParseError = new(nameof(ManifestParseError), ProblemCategory.ParserError);
    public static readonly ErrorKind InvalidSelector = new(nameof(InvalidSelector), ProblemCategory.InvalidArgument);
    public static readonly ErrorKind InvalidNamespace = new(nameof(InvalidNamespace), ProblemCategory.InvalidArgument);
    public static readonly ErrorKind KubeParameterWithPath = new(nameof(KubeParameterWithPath), ProblemCategory.InvalidArgument);
    public static readonly ErrorKind AmbiguousServicePort = new(nameof(AmbiguousServicePort), ProblemCategory.InvalidData);
    public static readonly ErrorKind ServicePortNotFound = new(nameof(ServicePortNotFound), ProblemCategory.InvalidData);
    public static readonly ErrorKind InvalidAnnotation = new(nameof(InvalidAnnotation), ProblemCategory.InvalidData);

    // The cluster.
    public static readonly ErrorKind KubeConfigNotFound = new(nameof(KubeConfigNotFound), ProblemCategory.ObjectNotFound);
    public static readonly ErrorKind KubeConfigInvalid = new(nameof(KubeConfigInvalid), ProblemCategory.InvalidArgument);
    public static readonly ErrorKind KubeUnreachable = new(nameof(KubeUnreachable), ProblemCategory.ConnectionError);
    public static readonly ErrorKind KubeTlsFailed = new(nameof(KubeTlsFailed), ProblemCategory.SecurityError);
    public static readonly ErrorKind KubeUnauthorized = new(nameof(KubeUnauthorized), ProblemCategory.AuthenticationError);
    public static readonly ErrorKind KubeForbidden = new(nameof(KubeForbidden), ProblemCategory.PermissionDenied);
    public static readonly ErrorKind KubeConflict = new(nameof(KubeConflict), ProblemCategory.ResourceExists);
    public static readonly ErrorKind KubeApiError = new(nameof(KubeApiError), ProblemCategory.InvalidResult);
    public static readonly ErrorKind NamespaceNotFound = new(nameof(NamespaceNotFound), ProblemCategory.ObjectNotFound);
    public static readonly ErrorKind NodeNotFound = new(nameof(NodeNotFound), ProblemCategory.ObjectNotFound);
    public static readonly ErrorKind ManifestTargetNotFound = new(nameof(ManifestTargetNotFound), ProblemCategory.ObjectNotFound);
    public static readonly ErrorKind InvalidLabel = new(nameof(InvalidLabel), ProblemCategory.InvalidArgument);
    public static readonly ErrorKind InvalidManifestOption = new(nameof(InvalidManifestOption), ProblemCategory.InvalidArgument);
    public static readonly ErrorKind UnsupportedKind = new(nameof(UnsupportedKind), ProblemCategory.InvalidArgument);
    public static readonly ErrorKind RolloutTimeout = new(nameof(RolloutTimeout), ProblemCategory.OperationTimeout);

    // The entry deployment: objects the cluster refuses, pods that cannot become ready, undoing it.
    public static readonly ErrorKind NodePortRefused = new(nameof(NodePortRefused), ProblemCategory.InvalidArgument);
    public static readonly ErrorKind ImagePullFailed = new(nameof(ImagePullFailed), ProblemCategory.ResourceUnavailable);
    public static readonly ErrorKind ContainerCrashLooping = new(nameof(ContainerCrashLooping), ProblemCategory.InvalidResult);
    public static readonly ErrorKind ContainerNotStarted = new(nameof(ContainerNotStarted), ProblemCategory.InvalidResult);
    public static readonly ErrorKind NoEntryNode = new(nameof(NoEntryNode), ProblemCategory.ResourceUnavailable);
    public static readonly ErrorKind ObjectNotManaged = new(nameof(ObjectNotManaged), ProblemCategory.PermissionDenied);
    public static readonly ErrorKind ConfigNotFromNginxKit = new(nameof(ConfigNotFromNginxKit), ProblemCategory.InvalidData);

    // Docker under systemd, its install and health.
    public static readonly ErrorKind UnitNotFound = new(nameof(UnitNotFound), ProblemCategory.ObjectNotFound);
    public static readonly ErrorKind SystemctlFailed = new(nameof(SystemctlFailed), ProblemCategory.InvalidOperation);
    public static readonly ErrorKind SystemctlNotFound = new(nameof(SystemctlNotFound), ProblemCategory.NotInstalled);
    public static readonly ErrorKind EnvironmentFileNotFound = new(nameof(EnvironmentFileNotFound), ProblemCategory.ObjectNotFound);
    public static readonly ErrorKind InvalidDockerOption = new(nameof(InvalidDockerOption), ProblemCategory.InvalidArgument);
    public static readonly ErrorKind InvalidEnvironmentName = new(nameof(InvalidEnvironmentName), ProblemCategory.InvalidArgument);
    public static readonly ErrorKind InvalidEnvironmentValue = new(nameof(InvalidEnvironmentValue), ProblemCategory.InvalidArgument);
    public static readonly ErrorKind DockerUnitNotFound = new(nameof(DockerUnitNotFound), ProblemCategory.ObjectNotFound);
    public static readonly ErrorKind UnsupportedExecStart = new(nameof(UnsupportedExecStart), ProblemCategory.InvalidData);
    public static readonly ErrorKind ConflictingDockerSetting = new(nameof(ConflictingDockerSetting), ProblemCategory.InvalidOperation);
    public static readonly ErrorKind InvalidDaemonJson = new(nameof(InvalidDaemonJson), ProblemCategory.ParserError);
    public static readonly ErrorKind DaemonJsonNotEditable = new(nameof(DaemonJsonNotEditable), ProblemCategory.InvalidData);
    public static readonly ErrorKind UnsupportedDistribution = new(nameof(UnsupportedDistribution), ProblemCategory.NotInstalled);
    public static readonly ErrorKind AptFailed = new(nameof(AptFailed), ProblemCategory.InvalidOperation);
    public static readonly ErrorKind KeyNotUsable = new(nameof(KeyNotUsable), ProblemCategory.InvalidData);
    public static readonly ErrorKind DockerNotFound = new(nameof(DockerNotFound), ProblemCategory.NotInstalled);
    public static readonly ErrorKind DockerVersionFailed = new(nameof(DockerVersionFailed), ProblemCategory.InvalidResult);
    public static readonly ErrorKind EnvironmentFileNotEditable = new(nameof(EnvironmentFileNotEditable), ProblemCategory.InvalidData);
    public static readonly ErrorKind DropInOverridden = new(nameof(DropInOverridden), ProblemCategory.InvalidOperation);
    public static readonly ErrorKind MaskedValue = new(nameof(MaskedValue), ProblemCategory.InvalidArgument);
    public static readonly ErrorKind DanglingSymlink = new(nameof(DanglingSymlink), ProblemCategory.InvalidData);
    public static readonly ErrorKind UnsupportedSettingValue = new(nameof(UnsupportedSettingValue), ProblemCategory.InvalidArgument);
    public static readonly ErrorKind DuplicateSetting = new(nameof(DuplicateSetting), ProblemCategory.InvalidArgument);
    public static readonly ErrorKind SystemdNotRunning = new(nameof(SystemdNotRunning), ProblemCategory.ResourceUnavailable);
    public static readonly ErrorKind RestartWithRoot = new(nameof(RestartWithRoot), ProblemCategory.InvalidArgument);

    // Docker's journal.
    public static readonly ErrorKind JournalNotFound = new(nameof(JournalNotFound), ProblemCategory.ObjectNotFound);
    public static readonly ErrorKind JournalNotReadable = new(nameof(JournalNotReadable), ProblemCategory.ReadError);
    public static readonly ErrorKind JournalCorrupt = new(nameof(JournalCorrupt), ProblemCategory.InvalidData);
    public static readonly ErrorKind BootNotFound = new(nameof(BootNotFound), ProblemCategory.ObjectNotFound);
    public static readonly ErrorKind LibsystemdMissing = new(nameof(LibsystemdMissing), ProblemCategory.NotInstalled);
    public static readonly ErrorKind InvalidJournalTime = new(nameof(InvalidJournalTime), ProblemCategory.InvalidArgument);
    public static readonly ErrorKind InvalidPriority = new(nameof(InvalidPriority), ProblemCategory.InvalidArgument);
    public static readonly ErrorKind InvalidJournalReader = new(nameof(InvalidJournalReader), ProblemCategory.InvalidArgument);

    // Files and platforms: every write, and the cmdlets that need a Linux host.
    public static readonly ErrorKind AccessDenied = new(nameof(AccessDenied), ProblemCategory.PermissionDenied);
    public static readonly ErrorKind TargetNotAFile = new(nameof(TargetNotAFile), ProblemCategory.InvalidArgument);
    public static readonly ErrorKind WriteFailed = new(nameof(WriteFailed), ProblemCategory.WriteError);
    public static readonly ErrorKind PlatformNotSupported = new(nameof(PlatformNotSupported), ProblemCategory.NotImplemented);

    // Processes.
    public static readonly ErrorKind NativeCommandNotFound = new(nameof(NativeCommandNotFound), ProblemCategory.NotInstalled);

    /// <summary>Every kind, in declaration order.</summary>
    public static IReadOnlyList<ErrorKind> All { get; } = typeof(ErrorCatalog)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.FieldType == typeof(ErrorKind))
        .Select(f => (ErrorKind)f.GetValue(null)!)
        .ToArray();
}
