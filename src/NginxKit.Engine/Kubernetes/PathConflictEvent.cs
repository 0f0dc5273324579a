using System.Globalization;
using k8s;
using k8s.Models;
using NginxKit.Engine.Nginx;

namespace NginxKit.Engine.Kubernetes;

/// <summary>
/// The Kubernetes Event a sync records on a Service that lost its path to an older claim, so that
/// the Service's owner sees why in <c>kubectl describe service</c> and <c>kubectl get events</c>.
/// A core/v1 Event, as client-go's recorder writes one: type Warning, reason PathConflict.
/// </summary>
public static class PathConflictEvent
{
    public const string Reason = "PathConflict";
    public const string Component = "nginxkit";
    public const string ReportingController = "nginxkit.io/sync";

    /// <summary>The event; pure. <paramref name="instance"/> names the reporter (the pod's host name).</summary>
    public static Corev1Event Build(RouteConflict conflict, V1Service loser, DateTimeOffset now, string instance)
    {
        var holder = conflict.Holder.Route;
        var name = loser.Metadata.Name;
        var ns = loser.Metadata.NamespaceProperty ?? "default";
        var message = $"Not routed: location {conflict.Loser.Location} on server {conflict.Loser.ServerName} is held by Service "
            + $"{holder.Namespace}/{holder.Service}, {RouteSet.Why(conflict.Holder, conflict.Loser)}. "
            + $"The oldest claim keeps a path; give this Service another {ServiceRoutes.PathAnnotation}.";
        var time = now.UtcDateTime;
        return new Corev1Event
        {
            ApiVersion = "v1",
            Kind = "Event",
            // As client-go names them: the object's name and the time in hexadecimal nanoseconds.
            Metadata = new V1ObjectMeta { Name = $"{name}.{(now.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100:x}", NamespaceProperty = ns },
            InvolvedObject = new V1ObjectReference
            {
                ApiVersion = "v1",
                Kind = "Service",
                Name = name,
                NamespaceProperty = ns,
                Uid = loser.Metadata.Uid,
                ResourceVersion = loser.Metadata.ResourceVersion,
            },
            Reason = Reason,
            Message = message.Length > 1024 ? message[..1021] + "..." : message,
            Type = "Warning",
            Source = new V1EventSource { Component = Component, Host = instance },
            ReportingComponent = ReportingController,
            ReportingInstance = instance.Length > 128 ? instance[..128] : instance,
            FirstTimestamp = time,
            LastTimestamp = time,
            Count = 1,
        };
    }

    /// <summary>Creates the event in the Service's namespace.</summary>
    public static Task<Corev1Event> RecordAsync(KubeConnection connection, Corev1Event e, CancellationToken cancellationToken) =>
        connection.Client.CoreV1.CreateNamespacedEventAsync(e, e.Metadata.NamespaceProperty, cancellationToken: cancellationToken);

    /// <summary>For messages: the event's object and reason.</summary>
    public static string Describe(Corev1Event e) =>
        string.Create(CultureInfo.InvariantCulture, $"{e.Reason} event on Service {e.InvolvedObject.NamespaceProperty}/{e.InvolvedObject.Name}");
}
