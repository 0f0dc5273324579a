using k8s;
using k8s.Autorest;
using k8s.Exceptions;
using k8s.KubeConfigModels;
using NginxKit.Engine.Diagnostics;

namespace NginxKit.Engine.Kubernetes;

/// <summary>Turns API failures into Problems with NginxKit's ErrorIds, without leaking credentials.</summary>
public static class KubeErrors
{

    /// <summary>The HTTP status of an API failure, or null when the server never answered.</summary>
    public static int? StatusOf(Exception ex) => ex is HttpOperationException http ? (int)http.Response.StatusCode : null;

    /// <summary>True for failures that no other item would escape either: no server, no credentials.</summary>
    public static bool IsFatal(Exception ex) => ex is HttpRequestException or KubeConfigException or TaskCanceledException { InnerException: TimeoutException }
        || StatusOf(ex) == 401;

    /// <summary>True for a failure of the API call itself, as opposed to a bug or a local error around it.</summary>
    public static bool IsApiFailure(Exception ex) => ex is HttpOperationException || IsFatal(ex);

    public static Problem ToProblem(Exception ex, string what, object? target, ErrorKind notFound)
    {
        var message = Reason(ex);
        if (ex is HttpRequestException { HttpRequestError: HttpRequestError.SecureConnectionError })
            return ErrorCatalog.KubeTlsFailed.Problem($"{what}: TLS with the cluster failed: {message} {TlsHint(ex)}", target);
        return StatusOf(ex) switch
        {
            404 => notFound.Problem($"{what} was not found: {message}", target),
            403 => ErrorCatalog.KubeForbidden.Problem($"{what}: forbidden: {message} Check the RBAC rules of your user.", target),
            401 => ErrorCatalog.KubeUnauthorized.Problem($"{what}: the cluster refused the credentials (401). Refresh them or check -Context.", target),
            409 => ErrorCatalog.KubeConflict.Problem($"{what}: conflict: {message}", target),
            null => ErrorCatalog.KubeUnreachable.Problem($"{what}: the cluster did not answer: {message}", target),
            var code => ErrorCatalog.KubeApiError.Problem($"{what}: the API answered {code}: {message}", target),
        };
    }

    private static string TlsHint(Exception ex) =>
        Chain(ex).Any(e => e.Message.Contains("RemoteCertificateValidationCallback", StringComparison.Ordinal))
            ? "The API server's certificate is not trusted: it is not signed by the certificate-authority the kubeconfig gives for this cluster, or does not name the server's address."
            : "Check the cluster's certificate-authority and the user's client-certificate in the kubeconfig.";

    private static IEnumerable<Exception> Chain(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException) yield return e;
    }

    // The Status message the server sent, or the exception's own; never request headers.
    private static string Reason(Exception ex)
    {
        if (ex is HttpOperationException http && !string.IsNullOrEmpty(http.Response.Content))
        {
            try
            {
                using var doc = System.Text.Json.JsonDocument.Parse(http.Response.Content);
                if (doc.RootElement.TryGetProperty("message", out var m) && m.GetString() is { } s) return s;
            }
            catch (System.Text.Json.JsonException)
            {
            }
        }
        return Text.UserInfo.MaskUrls(ex.InnerException is { } inner && ex is HttpRequestException ? inner.Message : ex.Message);
    }
}
