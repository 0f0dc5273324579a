namespace NginxKit.Engine.Kubernetes;

/// <summary>What to do about a pod that cannot start, as Deploy-NginxKit -Wait and Test-NginxKitEntry both say it.</summary>
public static class PodFailureHints
{
    public static string For(PodFailure f, string? role) => f.Kind switch
    {
        PodFailureKind.ImagePull => f.PullPolicy == "IfNotPresent"
            ? "With IfNotPresent a node pulls only an image it lacks: load the image onto every entry node, or push it to a registry the nodes can reach and give New-NginxKitManifest -Image <registry>/nginxkit:<version>."
            : "Push the image to a registry the nodes can reach and give New-NginxKitManifest -Image with its full path.",
        PodFailureKind.CrashLoop => $"kubectl logs -n {f.Namespace} {f.Pod} -c {f.Container} --previous shows its whole log.",
        PodFailureKind.NoMatchingNode => NoEntryNode(role),
        _ => $"kubectl describe pod -n {f.Namespace} {f.Pod} shows the events.",
    };

    public static string NoEntryNode(string? role) =>
        $"Label the entry nodes: Set-EntryNodeLabel -Name <node>{(role is null or NodeLabeler.DefaultRole ? "" : $" -Role {role}")}; Get-EntryNode lists them.";
}
