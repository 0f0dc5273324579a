namespace NginxKit.Engine.Kubernetes;

/// <summary>Why a pod will not become ready by waiting longer.</summary>
public enum PodFailureKind
{
    /// <summary>ErrImagePull, ImagePullBackOff and the like: the node cannot get the image.</summary>
    ImagePull,
    /// <summary>CrashLoopBackOff: the container starts and exits, again and again.</summary>
    CrashLoop,
    /// <summary>The scheduler finds no node whose labels match the pod's node selector.</summary>
    NoMatchingNode,
    /// <summary>The container cannot even be created (CreateContainerConfigError, RunContainerError...).</summary>
    NotStarted,
}
