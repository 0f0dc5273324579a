<#
    What an entry needs from nginx, through a real nginx on loopback in front of raw-socket echo
    backends (tests/Fixtures/EchoBackend): websockets, large uploads, per-route timeouts, the prefix
    a backend is served under, TLS with HTTP/2 and a redirect from plain HTTP, the default server,
    the health check, and nginx -t that counts warnings and never hangs.

    Routes come from Service manifests with the nginxkit.io/ annotations, read by Get-NginxRoute,
    so the annotations are what is tested; the Services' clusterIP is 127.0.0.1 and their port an
    echo backend's.

    Environment: as TestHelpers.psm1 lists it, and
      NGINXKIT_REQUIRE_REAL  1 to fail instead of skipping when nginx is not installed
#>

BeforeDiscovery {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    $nginx = Find-RealTool -Name nginx
}

BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-TestModule NginxHarness
    $nginxPath = Find-RealTool -Name nginx

    # A Service as `kubectl get svc -o yaml` shows it, routed to an echo backend on 127.0.0.1.
    function ConvertTo-ServiceYaml([string] $Name, [int] $Port, [hashtable] $Annotations = @{}) {
        # Every Service here opts in to routing, as a routed Service must.
        if (-not $Annotations.ContainsKey('nginxkit.io/path')) { $Annotations = $Annotations.Clone(); $Annotations['nginxkit.io/expose'] = 'true' }
        $lines = foreach ($key in $Annotations.Keys | Sort-Object) { "    $($key): `"$($Annotations[$key])`"" }
        $annotationBlock = if ($lines) { "  annotations:`n" + ($lines -join "`n") + "`n" } else { '' }
        "apiVersion: v1`nkind: Service`nmetadata:`n  name: $Name`n  namespace: entry-test`n$annotationBlock" +
        "spec:`n  clusterIP: 127.0.0.1`n  ports:`n  - port: $Port`n"
    }

    function New-Http([int] $TimeoutSec = 30) {
        $handler = [Net.Http.SocketsHttpHandler]::new()
        $handler.AllowAutoRedirect = $false
        $client = [Net.Http.HttpClient]::new($handler)
        $client.Timeout = [TimeSpan]::FromSeconds($TimeoutSec)
        $client
    }

    function Send-Upload([int] $Port, [string] $Path, [int] $Bytes) {
        # Expect: 100-continue, so nginx answers 413 before the body is sent, as browsers' uploads see it.
        $client = New-Http
        try {
            $request = [Net.Http.HttpRequestMessage]::new('POST', "http://127.0.0.1:$Port$Path")
            $request.Headers.ExpectContinue = $true
            $request.Content = [Net.Http.ByteArrayContent]::new([byte[]]::new($Bytes))
            $response = $client.SendAsync($request).GetAwaiter().GetResult()
            $received = $null
            if ($response.Headers.Contains('X-Echo-Body-Bytes')) { $received = [long]@($response.Headers.GetValues('X-Echo-Body-Bytes'))[0] }
            [pscustomobject]@{ StatusCode = [int]$response.StatusCode; Received = $received }
        } finally { $client.Dispose() }
    }

    function Invoke-WebSocketEcho([int] $Port, [string] $Path, [string] $Message) {
        $ws = [Net.WebSockets.ClientWebSocket]::new()
        $cts = [Threading.CancellationTokenSource]::new([TimeSpan]::FromSeconds(15))
        try {
            $ws.ConnectAsync([uri]"ws://127.0.0.1:$Port$Path", $cts.Token).GetAwaiter().GetResult()
            $bytes = [Text.Encoding]::UTF8.GetBytes($Message)
            $ws.SendAsync([ArraySegment[byte]]::new($bytes), 'Text', $true, $cts.Token).GetAwaiter().GetResult()
            $buffer = [byte[]]::new(4096)
            $result = $ws.ReceiveAsync([ArraySegment[byte]]::new($buffer), $cts.Token).GetAwaiter().GetResult()
            $echo = [Text.Encoding]::UTF8.GetString($buffer, 0, $result.Count)
            $ws.CloseAsync('NormalClosure', 'done', $cts.Token).GetAwaiter().GetResult()
            [pscustomobject]@{ Echo = $echo; MessageType = "$($result.MessageType)"; State = "$($ws.State)" }
        } finally {
            $ws.Dispose()
            $cts.Dispose()
        }
    }
}

Describe 'Routes with settings of their own, served by a real nginx' -Tag 'Nginx', 'Real' -Skip:(-not $nginx) {
    BeforeAll {
        $backend = @(Start-EchoBackend -Name echo)[0]
        $dir = New-TestDirectory
        $services = @(
            ConvertTo-ServiceYaml chat $backend.Port @{ 'nginxkit.io/websocket' = 'true'; 'nginxkit.io/proxy-read-timeout' = '1h' }
            ConvertTo-ServiceYaml nows $backend.Port
            ConvertTo-ServiceYaml upload $backend.Port @{ 'nginxkit.io/client-max-body-size' = '50m' }
            ConvertTo-ServiceYaml small $backend.Port
            ConvertTo-ServiceYaml slow $backend.Port @{ 'nginxkit.io/proxy-read-timeout' = '1s' }
            ConvertTo-ServiceYaml quick $backend.Port
            ConvertTo-ServiceYaml files $backend.Port @{ 'nginxkit.io/proxy-redirect' = 'true' }
            ConvertTo-ServiceYaml bare $backend.Port
            ConvertTo-ServiceYaml kept $backend.Port @{ 'nginxkit.io/strip-prefix' = 'false' }
            ConvertTo-ServiceYaml sneaky $backend.Port @{ 'nginxkit.io/path' = '/healthz' }
            ConvertTo-ServiceYaml root $backend.Port @{ 'nginxkit.io/path' = '/' }
        ) -join "---`n"
        Set-Content -LiteralPath "$dir/services.yaml" -Value $services
        $routes = @(Get-NginxRoute -Path "$dir/services.yaml" -ErrorVariable discoveryErrors -ErrorAction SilentlyContinue)
        $listen = "127.0.0.1:$(Get-FreeTcpPort)"
        # The server-wide read timeout is 30 s: /quick keeps it, /slow has its own.
        $conf = $routes | New-NginxConf -Listen $listen -ProxyReadTimeoutSec 30 -ErrorAction Stop
        $server = Start-NginxServer -Config $conf -NginxPath $nginxPath
    }

    AfterAll {
        if ($server) { Stop-NginxServer $server }
        if ($backend) { $backend | Stop-EchoBackend }
        if ($dir) { Remove-Item -LiteralPath $dir -Recurse -Force -ErrorAction Ignore }
    }

    It 'renders a config nginx -t passes strictly, with one websocket map' {
        $result = Test-NginxConf -Text $conf -NginxPath $nginxPath -Strict
        $result.Valid | Should -BeTrue -Because ($result.Messages | Out-String)
        $result.WarningCount | Should -Be 0
        [regex]::Matches($conf, 'map \$http_upgrade').Count | Should -Be 1
    }

    It 'completes a websocket handshake and echoes a frame through the annotated route' {
        $result = Invoke-WebSocketEcho -Port $server.Port -Path '/chat/socket' -Message 'hello through the entry'
        $result.Echo | Should -BeExactly 'hello through the entry'
        $result.MessageType | Should -Be 'Text'
    }

    It 'refuses the handshake on the same backend through a route without the annotation' {
        { Invoke-WebSocketEcho -Port $server.Port -Path '/nows/socket' -Message 'x' } | Should -Throw '*101*'
    }

    It 'takes a 20 MB upload with nginxkit.io/client-max-body-size: 50m, all of it reaching the backend' {
        $result = Send-Upload -Port $server.Port -Path '/upload/' -Bytes (20MB)
        $result.StatusCode | Should -Be 200
        $result.Received | Should -Be (20MB)
    }

    It 'answers 413 to the same upload through a route without the annotation' {
        (Send-Upload -Port $server.Port -Path '/small/' -Bytes (20MB)).StatusCode | Should -Be 413
        (Send-Upload -Port $server.Port -Path '/small/' -Bytes (512KB)).StatusCode | Should -Be 200
    }

    It 'gives 504 when the backend is slower than the route''s own timeout' {
        $response = Invoke-RawHttp -Port $server.Port -Path '/slow/x?echo-delay-ms=3000' -TimeoutSec 20
        $response.StatusCode | Should -Be 504
        # nginx's own words where the host has no 50x.html (Debian ships none), never a 404.
        if (-not (Test-Path /usr/share/nginx/html/50x.html)) { $response.Body | Should -Match 'did not answer in time' }
    }

    It 'waits out the same slow backend through a route on the server''s timeout' {
        $response = Invoke-RawHttp -Port $server.Port -Path '/quick/x?echo-delay-ms=3000' -TimeoutSec 20
        $response.StatusCode | Should -Be 200
        $response.Body | Should -BeExactly 'echo GET /x?echo-delay-ms=3000 HTTP/1.1'
    }

    It 'speaks HTTP/1.1 to the backend and tells it the prefix it stripped' {
        $response = Invoke-RawHttp -Port $server.Port -Path '/bare/a/b'
        $response.Body | Should -BeExactly 'echo GET /a/b HTTP/1.1'
        $response.Headers['X-Echo-X-Forwarded-Prefix'] | Should -BeExactly '/bare'
        (Invoke-RawHttp -Port $server.Port -Path '/kept/a').Headers.Contains('X-Echo-X-Forwarded-Prefix') | Should -BeFalse
    }

    It 'rewrites the backend''s own redirect <Redirect> under /files/ with nginxkit.io/proxy-redirect' -ForEach @(
        @{ Redirect = 'to /sub/'; Query = 'echo-redirect=/sub/' }
        @{ Redirect = 'to http://<host>/sub/'; Query = 'echo-redirect=/sub/&echo-redirect-host=1' }
    ) {
        $response = Invoke-RawHttp -Port $server.Port -Path "/files/x?$Query"
        $response.StatusCode | Should -Be 302
        $response.Location | Should -BeExactly '/files/sub/'
    }

    It 'passes a backend''s redirect on unchanged without the annotation' {
        $response = Invoke-RawHttp -Port $server.Port -Path '/bare/x?echo-redirect=/sub/'
        $response.StatusCode | Should -Be 302
        $response.Location | Should -BeExactly '/sub/'
    }

    It 'answers /healthz itself, whatever the Host' {
        foreach ($hostHeader in 'localhost', '192.0.2.7', 'unknown.example') {
            $response = Invoke-RawHttp -Port $server.Port -Path '/healthz' -HostHeader $hostHeader
            $response.StatusCode | Should -Be 200
            $response.Body | Should -BeExactly "ok`n"
            $response.Headers.Contains('X-Echo-Backend') | Should -BeFalse
        }
    }

    It 'lets no Service claim /healthz: Get-NginxRoute refuses it by name' {
        @($discoveryErrors).Count | Should -Be 1
        $discoveryErrors[0].FullyQualifiedErrorId | Should -BeLike 'InvalidRoutePath,*'
        $discoveryErrors[0].ErrorDetails.RecommendedAction | Should -Match 'PathReserved'
        "$($discoveryErrors[0].TargetObject)" | Should -Match 'entry-test/sneaky'
        $routes.Service | Should -Not -Contain 'sneaky'
        $conf | Should -Not -Match 'location /healthz/'
    }
}

Describe 'TLS on a host: -TlsCertificate, -TlsKey and -RedirectHttp' -Tag 'Nginx', 'Real' -Skip:(-not $nginx) {
    BeforeAll {
        $backend = @(Start-EchoBackend -Name app)[0]
        $dir = New-TestDirectory
        $ca = New-TestCertificateAuthority
        $tls = New-TestServerCertificate -Authority $ca -Directory "$dir/tls"
        # A private key only root may read, as on a host: Test-NginxConf must still test it.
        chmod 600 $tls.KeyPath
        $plain = Get-FreeTcpPort
        $secure = Get-FreeTcpPort
        $conf = [pscustomobject]@{ Path = '/app'; Backend = '127.0.0.1'; Port = $backend.Port } |
            New-NginxConf -Listen "127.0.0.1:$plain" -TlsListen "127.0.0.1:$secure" -TlsCertificate $tls.CertificatePath -TlsKey $tls.KeyPath -RedirectHttp -ErrorAction Stop
        $server = Start-NginxServer -Config $conf -NginxPath $nginxPath -Port $plain
    }

    AfterAll {
        if ($server) { Stop-NginxServer $server }
        if ($backend) { $backend | Stop-EchoBackend }
        if ($dir) { Remove-Item -LiteralPath $dir -Recurse -Force -ErrorAction Ignore }
    }

    It 'passes nginx -t strictly' {
        $result = Test-NginxConf -Text $conf -NginxPath $nginxPath -Strict
        $result.Valid | Should -BeTrue -Because ($result.Messages | Out-String)
    }

    It 'serves the route to a client that trusts the test CA' {
        $response = Invoke-TlsHttp -Port $secure -Path '/app/x' -Authority $ca
        $response.StatusCode | Should -Be 200
        $response.Body | Should -BeExactly 'app GET /x HTTP/1.1'
    }

    It 'offers HTTP/2, and speaks it' {
        $handshake = Get-TlsHandshake -Port $secure -Authority $ca
        $handshake.Protocol | Should -Be 'h2'
        $handshake.TlsVersion | Should -BeIn @('Tls12', 'Tls13')
        $handshake.Certificate.Thumbprint | Should -Be $tls.Certificate.Thumbprint
        (Invoke-TlsHttp -Port $secure -Path '/app/x' -Authority $ca -Http2).Version | Should -Be ([version]'2.0')
    }

    It 'is refused by a client that does not trust the CA' {
        $stranger = New-TestCertificateAuthority -Name 'Another CA'
        { Get-TlsHandshake -Port $secure -Authority $stranger } | Should -Throw
    }

    It 'redirects plain HTTP to https on the TLS port, keeping path and query' {
        $response = Invoke-RawHttp -Port $plain -Path '/app/x?y=1'
        $response.StatusCode | Should -Be 301
        $response.Location | Should -BeExactly "https://localhost:$secure/app/x?y=1"
        $response.Headers.Contains('X-Echo-Backend') | Should -BeFalse
    }

    It 'answers /healthz on plain HTTP without a redirect, and over TLS' {
        $response = Invoke-RawHttp -Port $plain -Path '/healthz'
        $response.StatusCode | Should -Be 200
        $response.Body | Should -BeExactly "ok`n"
        (Invoke-TlsHttp -Port $secure -Path '/healthz' -Authority $ca).StatusCode | Should -Be 200
    }
}

Describe 'The default server' -Tag 'Nginx', 'Real' -Skip:(-not $nginx) {
    BeforeAll {
        $backend = @(Start-EchoBackend -Name app)[0]
        $port = Get-FreeTcpPort
        $route = [pscustomobject]@{ Path = '/app'; Backend = '127.0.0.1'; Port = $backend.Port }
        # Listed first, so nginx's default for the port unless another server says default_server.
        $competing = "server {`n    listen 127.0.0.1:$port;`n    server_name stock.example;`n    return 418;`n}`n"
        $ours = $route | New-NginxConf -Listen "127.0.0.1:$port" -ErrorAction Stop
        $server = Start-NginxServer -Config ($competing + $ours) -NginxPath $nginxPath -Port $port
    }

    AfterAll {
        if ($server) { Stop-NginxServer $server }
        if ($backend) { $backend | Stop-EchoBackend }
    }

    It 'takes requests by IP and for unknown names from a server block listed before it' {
        foreach ($hostHeader in '192.0.2.10', 'unknown.example') {
            $response = Invoke-RawHttp -Port $port -Path '/app/x' -HostHeader $hostHeader
            $response.StatusCode | Should -Be 200
            $response.Body | Should -BeExactly 'app GET /x HTTP/1.1'
        }
        (Invoke-RawHttp -Port $port -Path '/app/x' -HostHeader 'stock.example').StatusCode | Should -Be 418
    }

    It 'leaves them to the block listed first with -NotDefaultServer' {
        $notDefault = $route | New-NginxConf -Listen "127.0.0.1:$port" -NotDefaultServer -ErrorAction Stop
        $notDefault | Should -Not -Match 'default_server'
        Update-NginxServer -Server $server -Config ($competing + $notDefault)
        (Invoke-RawHttp -Port $port -Path '/app/x' -HostHeader '192.0.2.10').StatusCode | Should -Be 418
        Update-NginxServer -Server $server -Config ($competing + $ours)
        (Invoke-RawHttp -Port $port -Path '/app/x' -HostHeader '192.0.2.10').StatusCode | Should -Be 200
    }

    It 'cannot stand beside a stock site that is default_server too: nginx -t refuses both' {
        $stock = "server {`n    listen 127.0.0.1:$port default_server;`n    server_name _;`n    root /var/www/html;`n}`n"
        $result = Test-NginxConf -Text ($stock + $ours) -NginxPath $nginxPath
        $result.Valid | Should -BeFalse
        $result.Errors.Message | Should -Match 'duplicate default server'
    }

    It 'beside a stock site named _, is Valid only without -Strict, which reports nginx''s warning as its own' {
        $stock = "server {`n    listen 127.0.0.1:$port;`n    server_name _;`n    root /var/www/html;`n}`n"
        $lenient = Test-NginxConf -Text ($stock + $ours) -NginxPath $nginxPath
        $lenient.Valid | Should -BeTrue
        $lenient.WarningCount | Should -Be 1
        @($lenient.Warnings)[0].Message | Should -Match 'conflicting server name "_"'
        $strict = Test-NginxConf -Text ($stock + $ours) -NginxPath $nginxPath -Strict
        $strict.Valid | Should -BeFalse
        $strict.Strict | Should -BeTrue
        ($strict | Format-Table | Out-String) | Should -Match 'False\s+0\s+1\s+.*conflicting server name'
    }
}

Describe 'Server names compare without regard to case, as nginx compares them' -Tag 'Nginx', 'Real' -Skip:(-not $nginx) {
    It 'renders A.EXAMPLE.COM and a.example.com as one server, which nginx -t passes strictly' {
        $conf = @(
            [pscustomobject]@{ Path = '/a'; Backend = '127.0.0.1'; Port = 8080; ServerName = 'A.EXAMPLE.COM' }
            [pscustomobject]@{ Path = '/b'; Backend = '127.0.0.1'; Port = 8081; ServerName = 'a.example.com' }
        ) | New-NginxConf -Listen '127.0.0.1:18080' -ErrorAction Stop
        [regex]::Matches($conf, 'server_name a\.example\.com;').Count | Should -Be 1
        $conf | Should -Not -MatchExactly 'A\.EXAMPLE\.COM'
        (Test-NginxConf -Text $conf -NginxPath $nginxPath -Strict).Valid | Should -BeTrue
    }
}

Describe 'nginx -t never hangs on what a config names' -Tag 'Nginx', 'Real' -Skip:(-not $nginx) {
    BeforeAll {
        $dir = New-TestDirectory
        $fifo = Join-Path $dir 'routes.conf'
        mkfifo $fifo
        $sub = New-Item -ItemType Directory -Path (Join-Path $dir 'sub')
        mkfifo (Join-Path $sub 'wait.conf')
        # Within nobody's reach, who runs nginx -t when the tests run as root.
        chmod 755 $dir $sub
        chmod 666 (Join-Path $sub 'wait.conf')
        $good = "server { listen 127.0.0.1:18080; }`n"
    }

    AfterAll { if ($dir) { Remove-Item -LiteralPath $dir -Recurse -Force -ErrorAction Ignore } }

    It 'refuses a config that includes a FIFO with IncludedFileNotRegular, and tests the next one' {
        $results = @("include $fifo;`n", $good) | Test-NginxConf -NginxPath $nginxPath -ErrorVariable errs -ErrorAction SilentlyContinue
        @($errs).Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'IncludedFileNotRegular,*'
        $errs[0].TargetObject | Should -Be $fifo
        @($results).Count | Should -Be 1
        $results[0].Valid | Should -BeTrue
    }

    It 'refuses a FIFO given as the file to test with ConfigNotReadable' {
        Test-NginxConf -LiteralPath $fifo -NginxPath $nginxPath -ErrorVariable errs -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'ConfigNotReadable,*'
        $errs[0].ErrorDetails.RecommendedAction | Should -Match 'NotARegularFile'
    }

    It 'stops nginx -t at -TimeoutSec with NginxTestTimeout when nginx itself waits on a FIFO' {
        # A glob in a directory part is left to nginx, which then opens the FIFO and waits.
        Test-NginxConf -Text "include $dir/*/wait.conf;`n" -NginxPath $nginxPath -TimeoutSec 1 -ErrorVariable errs -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        @($errs).Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'NginxTestTimeout,*'
        $errs[0].CategoryInfo.Category | Should -Be 'OperationTimeout'
    }
}
