# The real-nginx path table: routes, the requests sent to a real nginx serving them, and what
# reaches the echo backends. NginxRouting.Tests.ps1 checks nginx against the expectations;
# NginxResolve.Tests.ps1 checks Resolve-NginxRoute against nginx on every request here.
# A route's Backend names an echo backend; the tests put its port in.
@{
    Main = @{
        # /legacy goes first: its StripPrefix=false must not stick to the routes piped after it.
        Routes = @(
            @{ Path = '/legacy'; Backend = 'legacy'; StripPrefix = $false }
            @{ Path = '/volume'; Backend = 'volume'; Service = 'volume'; Namespace = 'storage' }
            @{ Path = '/api/'; Backend = 'api' }
            @{ Path = '/api/v2'; Backend = 'apiv2' }
            @{ Path = '/'; Backend = 'root' }
        )
        Proxied = @(
            @{ Request = '/volume/api/v1/pools'; Backend = 'volume'; Expected = '/api/v1/pools' }  # never //api/v1/pools
            @{ Request = '/volume/'; Backend = 'volume'; Expected = '/' }
            @{ Request = '/volumeX/a'; Backend = 'root'; Expected = '/volumeX/a' }                  # not the volume backend
            @{ Request = '/api/x'; Backend = 'api'; Expected = '/x' }
            @{ Request = '/api/v2/y'; Backend = 'apiv2'; Expected = '/y' }                          # longest prefix wins
            @{ Request = '/api/v2/'; Backend = 'apiv2'; Expected = '/' }
            @{ Request = '/api/v2x'; Backend = 'api'; Expected = '/v2x' }                           # a sibling, not /api/v2
            @{ Request = '/volume/a?b=1&c=%2F'; Backend = 'volume'; Expected = '/a?b=1&c=%2F' }     # query string untouched
            @{ Request = '/legacy/a/b'; Backend = 'legacy'; Expected = '/legacy/a/b' }              # StripPrefix off
            @{ Request = '/legacy/'; Backend = 'legacy'; Expected = '/legacy/' }
            @{ Request = '/'; Backend = 'root'; Expected = '/' }
            @{ Request = '/volume//api'; Backend = 'volume'; Expected = '/api' }                    # a client's // is merged
            @{ Request = '/volume/../api/x'; Backend = 'api'; Expected = '/x' }                     # dot segments resolved before matching
        )
        Redirects = @(
            @{ Request = '/volume'; Location = '/volume/'; HostHeader = 'localhost' }
            @{ Request = '/api'; Location = '/api/'; HostHeader = 'localhost' }
            @{ Request = '/api/v2'; Location = '/api/v2/'; HostHeader = 'localhost' }
            @{ Request = '/legacy'; Location = '/legacy/'; HostHeader = 'localhost' }
            @{ Request = '/volume?b=1'; Location = '/volume/?b=1'; HostHeader = 'localhost' }
            # Relative, so a NodePort or any port mapping in front stays right.
            @{ Request = '/volume'; Location = '/volume/'; HostHeader = 'node1.example:31234' }
        )
    }
    NoRoot = @{
        Routes = @(
            @{ Path = '/volume'; Backend = 'volume' }
            @{ Path = '/api/'; Backend = 'api' }
        )
        NotFound = @(
            @{ Request = '/volumeX/a' }
            @{ Request = '/volumes' }
            @{ Request = '/apix' }
            @{ Request = '/' }
        )
        Proxied = @(
            @{ Request = '/volume/a'; Backend = 'volume'; Expected = '/a' }
        )
    }
    ServerNames = @{
        Routes = @(
            @{ Path = '/volume'; Backend = 'volume'; ServerName = 'vol.example' }
            @{ Path = '/'; Backend = 'root' }
        )
        Requests = @(
            @{ HostHeader = 'vol.example'; Request = '/volume/a'; Status = 200; Body = 'volume GET /a HTTP/1.1' }
            @{ HostHeader = 'other.example'; Request = '/volume/a'; Status = 200; Body = 'root GET /volume/a HTTP/1.1' }  # the default server
            @{ HostHeader = 'localhost'; Request = '/x'; Status = 200; Body = 'root GET /x HTTP/1.1' }
            @{ HostHeader = 'vol.example'; Request = '/x'; Status = 404; Body = '' }
        )
    }
}
