# Drives a real nginx and raw-socket echo backends for the routing suites.
#
#   Start-EchoBackend / Stop-EchoBackend   the tests/Fixtures/EchoBackend app, one process serving one or more names
#   Start-NginxServer / Update-NginxServer / Stop-NginxServer
#                                          nginx -g 'daemon off;' in a private temp prefix, reload with -s reload
#   Invoke-RawHttp                         one HTTP/1.1 request over a TcpClient: no redirects followed, no path rewritten
#   New-TestCertificateAuthority / New-TestServerCertificate
#                                          a CA for one test, and PEM files of a server certificate it signs
#   Get-TlsHandshake / Invoke-TlsHttp      a TLS client that trusts only that CA: the certificate served, ALPN, a GET
#   Get-FreeTcpPort                        an unused loopback port
#
# Environment:
#   NGINXKIT_ECHO_BACKEND  path to the built EchoBackend.dll (build.ps1 sets it). When unset, the fixture
#                          is built into out/fixtures/EchoBackend under the repository root on first use.

Set-StrictMode -Version 3.0
Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1')

$script:Latin1 = [Text.Encoding]::Latin1

function Get-EchoBackendPath {
    # The built fixture: ${env:NGINXKIT_ECHO_BACKEND}, or a build made once per session.
    Get-TestFixture -Name EchoBackend -EnvironmentVariable NGINXKIT_ECHO_BACKEND
}

function Get-FreeTcpPort {
    <#
    .SYNOPSIS
        Returns a loopback TCP port that was free a moment ago (the OS picks it).
    #>
    $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
    try {
        $listener.Start()
        $listener.LocalEndpoint.Port
    } finally {
        $listener.Stop()
    }
}

function Start-EchoBackend {
    <#
    .SYNOPSIS
        Starts one EchoBackend process listening on 127.0.0.1 for each name; returns one object per name.
    .DESCRIPTION
        Every request to a name's port is answered 200 with the body "<name> <raw request line>".
        With -Tls every port speaks HTTPS only (a fresh self-signed certificate), and answers say so in
        the headers X-Echo-Tls (the protocol) and X-Echo-Sni (the name sent by SNI, or "-").
        The objects share the Process; Stop-EchoBackend stops it (closing its stdin).
    .EXAMPLE
        $backends = Start-EchoBackend -Name volume, api
        $backends | Stop-EchoBackend
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [ValidatePattern('^[A-Za-z0-9._-]+$')] [string[]] $Name,
        # One port per name; 0 or omitted takes an ephemeral port.
        [int[]] $Port = @(),
        [switch] $Tls,
        [int] $TimeoutSec = 30
    )
    $dll = Get-EchoBackendPath
    $psi = [Diagnostics.ProcessStartInfo]::new('dotnet')
    $psi.ArgumentList.Add($dll)
    if ($Tls) { $psi.ArgumentList.Add('--tls') }
    $psi.ArgumentList.Add('--listen')
    for ($i = 0; $i -lt $Name.Count; $i++) {
        $p = if ($i -lt $Port.Count) { $Port[$i] } else { 0 }
        $psi.ArgumentList.Add("$($Name[$i])=$p")
    }
    $psi.UseShellExecute = $false
    $psi.RedirectStandardInput = $true   # closing it stops the backend, and so does this process ending
    $psi.RedirectStandardOutput = $true
    $process = [Diagnostics.Process]::Start($psi)

    $ports = @{}
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSec)
    try {
        while ($ports.Count -lt $Name.Count) {
            $read = $process.StandardOutput.ReadLineAsync()
            $left = [Math]::Max(0, ($deadline - [DateTime]::UtcNow).TotalMilliseconds)
            if (-not $read.Wait([int]$left)) { throw "EchoBackend did not report its ports within $TimeoutSec s." }
            $line = $read.Result
            if ($null -eq $line) { throw "EchoBackend exited before listening (exit code $(if ($process.HasExited) { $process.ExitCode }))." }
            if ($line -match '^LISTENING (\d+) (\S+)$') { $ports[$Matches[2]] = [int]$Matches[1] }
        }
    } catch {
        Stop-ProcessTree $process
        throw
    }
    foreach ($n in $Name) {
        [pscustomobject]@{
            PSTypeName = 'NginxKit.Test.EchoBackend'
            Name       = $n
            Port       = $ports[$n]
            Tls        = [bool]$Tls
            Process    = $process
        }
    }
}

function Stop-EchoBackend {
    <#
    .SYNOPSIS
        Stops the processes behind the given backends: stdin EOF first, a kill after 5 s.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory, ValueFromPipeline)] [AllowNull()] [object[]] $Backend)
    begin { $processes = [Collections.Generic.List[Diagnostics.Process]]::new() }
    process {
        foreach ($b in $Backend) {
            if ($b -and $b.Process -and -not $processes.Contains($b.Process)) { $processes.Add($b.Process) }
        }
    }
    end {
        foreach ($p in $processes) {
            Stop-ProcessTree $p -CloseInput
            $p.Dispose()
        }
    }
}

function Get-NginxListenPort([string] $Config) {
    # The first listen directive's port: "listen 127.0.0.1:18080;", "listen 18080 default_server;".
    if ($Config -match '(?m)^\s*listen\s+(?:\S*:)?(\d+)[\s;]') { return [int]$Matches[1] }
    throw 'The config has no "listen [address:]port" directive; pass -Port.'
}

function Get-NginxMainConfig([string] $Prefix) {
    $user = if ([Environment]::IsPrivilegedProcess) { "user root root;`n" } else { '' }
    @"
${user}worker_processes 1;
pid $Prefix/nginx.pid;
error_log $Prefix/error.log notice;
events { worker_connections 256; }
http {
    access_log $Prefix/access.log;
    client_body_temp_path $Prefix/client_body;
    proxy_temp_path $Prefix/proxy;
    fastcgi_temp_path $Prefix/fastcgi;
    uwsgi_temp_path $Prefix/uwsgi;
    scgi_temp_path $Prefix/scgi;
    include $Prefix/conf.d/default.conf;
}

"@
}

function Get-NginxCommonArgs($Server) {
    @('-p', "$($Server.Prefix)/", '-c', $Server.MainConfPath, '-e', "$($Server.Prefix)/error.log")
}

function Get-ErrorLogTail([string] $Prefix) {
    $log = Join-Path $Prefix 'error.log'
    if (Test-Path $log) { (Get-Content $log -Tail 20) -join "`n" } else { '(no error.log)' }
}

function Test-TcpPort([int] $Port) {
    $client = [Net.Sockets.TcpClient]::new()
    try {
        $client.ConnectAsync([Net.IPAddress]::Loopback, $Port).Wait(500) -and $client.Connected
    } catch {
        $false
    } finally {
        $client.Dispose()
    }
}

function Get-ChildProcessId([int] $ParentId) {
    # Linux: the processes whose parent is $ParentId (nginx's workers), from /proc/<pid>/stat.
    foreach ($dir in [IO.Directory]::EnumerateDirectories('/proc')) {
        $name = [IO.Path]::GetFileName($dir)
        if ($name -notmatch '^\d+$') { continue }
        try { $text = [IO.File]::ReadAllText("$dir/stat") } catch { continue } # it exited meanwhile
        # pid (comm) state ppid ...; comm may hold spaces, so split after the last ')'.
        $fields = $text.Substring($text.LastIndexOf(')') + 2).Split(' ')
        if ([int]$fields[1] -eq $ParentId) { [int]$name }
    }
}

function Start-NginxServer {
    <#
    .SYNOPSIS
        Runs nginx in the foreground on a server-level snippet (default.conf), in a fresh temp prefix.
    .DESCRIPTION
        Writes <prefix>/conf.d/default.conf and a main nginx.conf that includes it inside http {},
        starts nginx -g 'daemon off;' and waits until the listen port accepts connections.
        Returns Port, Prefix, ConfPath (the snippet; New-NginxConf -OutFile may write it), Process.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [string] $Config,
        [string] $NginxPath,
        # The port to wait for; by default the first listen directive's.
        [int] $Port,
        [int] $TimeoutSec = 15
    )
    if (-not $NginxPath) {
        $NginxPath = @('/usr/sbin/nginx', (Get-Command nginx -CommandType Application -ErrorAction Ignore | Select-Object -First 1 -ExpandProperty Source)) |
            Where-Object { $_ -and (Test-Path $_) } | Select-Object -First 1
        if (-not $NginxPath) { throw 'nginx was not found; pass -NginxPath.' }
    }
    if (-not $Port) { $Port = Get-NginxListenPort $Config }

    $prefix = Join-Path ([IO.Path]::GetTempPath()) ('nginxkit-nginx-' + [guid]::NewGuid().ToString('N').Substring(0, 12))
    $null = New-Item -ItemType Directory -Path (Join-Path $prefix 'conf.d')
    $server = [pscustomobject]@{
        PSTypeName   = 'NginxKit.Test.NginxServer'
        Port         = $Port
        Prefix       = $prefix
        ConfPath     = Join-Path $prefix 'conf.d/default.conf'
        MainConfPath = Join-Path $prefix 'nginx.conf'
        NginxPath    = $NginxPath
        Process      = $null
    }
    Set-Content -LiteralPath $server.ConfPath -Value $Config -NoNewline
    Set-Content -LiteralPath $server.MainConfPath -Value (Get-NginxMainConfig $prefix) -NoNewline

    $psi = [Diagnostics.ProcessStartInfo]::new($NginxPath)
    foreach ($a in (Get-NginxCommonArgs $server) + @('-g', 'daemon off;')) { $psi.ArgumentList.Add($a) }
    $psi.UseShellExecute = $false
    $psi.RedirectStandardInput = $true # nginx never reads it; keeps it off the test host's console
    $server.Process = [Diagnostics.Process]::Start($psi)

    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSec)
    while (-not (Test-TcpPort $Port)) {
        if ($server.Process.HasExited -or [DateTime]::UtcNow -gt $deadline) {
            $why = if ($server.Process.HasExited) { "exited with $($server.Process.ExitCode)" } else { "did not listen on $Port within $TimeoutSec s" }
            $log = Get-ErrorLogTail $prefix
            Stop-NginxServer $server
            throw "nginx $why. error.log:`n$log"
        }
        Start-Sleep -Milliseconds 20
    }
    $server
}

function Update-NginxServer {
    <#
    .SYNOPSIS
        Reloads a running nginx: optionally rewrites the snippet, runs nginx -s reload with the same
        -p/-c, and waits until the workers of the old config are gone, so every new connection
        is served by the new config.
    .EXAMPLE
        New-NginxConf ... -OutFile $server.ConfPath; Update-NginxServer -Server $server
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] $Server,
        # New snippet text; without it the file at $Server.ConfPath is reloaded as it stands.
        [string] $Config,
        [int] $TimeoutSec = 15
    )
    if ($PSBoundParameters.ContainsKey('Config')) { Set-Content -LiteralPath $Server.ConfPath -Value $Config -NoNewline }
    $master = $Server.Process.Id
    $oldWorkers = @(Get-ChildProcessId $master)
    $output = & $Server.NginxPath @(Get-NginxCommonArgs $Server) -s reload 2>&1
    if ($LASTEXITCODE -ne 0) { throw "nginx -s reload exited with $LASTEXITCODE`: $($output -join "`n")" }

    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSec)
    while ($true) {
        $now = @(Get-ChildProcessId $master)
        $stale = @($now | Where-Object { $oldWorkers -contains $_ })
        $fresh = @($now | Where-Object { $oldWorkers -notcontains $_ })
        if ($stale.Count -eq 0 -and $fresh.Count -gt 0) { break }
        if ($Server.Process.HasExited) { throw "nginx exited during reload. error.log:`n$(Get-ErrorLogTail $Server.Prefix)" }
        if ([DateTime]::UtcNow -gt $deadline) {
            throw "nginx reload did not replace its workers within $TimeoutSec s (old: $($oldWorkers -join ','); now: $($now -join ',')). error.log:`n$(Get-ErrorLogTail $Server.Prefix)"
        }
        Start-Sleep -Milliseconds 20
    }
    if (-not (Test-TcpPort $Server.Port)) { throw "nginx stopped listening on $($Server.Port) after reload." }
}

function Stop-NginxServer {
    <#
    .SYNOPSIS
        Stops nginx with TERM (nginx -s stop), waits for it, and removes its prefix. Stopping it again does nothing.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory, ValueFromPipeline)] [AllowNull()] $Server)
    process {
        if (-not $Server) { return }
        $p = $Server.Process
        if ($p -and -not $p.HasExited) {
            $null = & $Server.NginxPath @(Get-NginxCommonArgs $Server) -s stop 2>&1
            if (-not $p.WaitForExit(5000)) { Stop-ProcessTree $p }
        }
        if ($p) {
            $p.Dispose()
            $Server.Process = $null
        }
        if ($Server.Prefix -and (Test-Path -LiteralPath $Server.Prefix)) {
            Remove-Item -LiteralPath $Server.Prefix -Recurse -Force -ErrorAction Ignore
        }
    }
}

function ConvertTo-EchoRoute {
    <#
    .SYNOPSIS
        Turns routes of NginxPathTable.psd1, whose Backend names an echo backend, into routes to that backend's 127.0.0.1 port.
    #>
    param([Parameter(Mandatory)] [hashtable[]] $Routes, [Parameter(Mandatory)] [hashtable] $Ports)
    foreach ($r in $Routes) {
        $route = [ordered]@{}
        foreach ($key in $r.Keys) { $route[$key] = $r[$key] }
        $route.Backend = '127.0.0.1'
        $route.Port = $Ports[$r.Backend]
        [pscustomobject]$route
    }
}

function Invoke-RawHttp {
    <#
    .SYNOPSIS
        Sends one raw HTTP/1.1 request to 127.0.0.1 and returns StatusCode, Headers, Location, Body, Raw.
    .DESCRIPTION
        The path goes on the wire byte for byte (Latin-1), redirects are not followed, and the
        connection is closed after the answer. Invoke-WebRequest does neither.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [int] $Port,
        [Parameter(Mandatory)] [string] $Path,
        [string] $HostHeader = 'localhost',
        [string] $Method = 'GET',
        [int] $TimeoutSec = 10
    )
    $client = [Net.Sockets.TcpClient]::new()
    try {
        $client.ReceiveTimeout = $TimeoutSec * 1000
        $client.SendTimeout = $TimeoutSec * 1000
        if (-not $client.ConnectAsync([Net.IPAddress]::Loopback, $Port).Wait($TimeoutSec * 1000)) {
            throw "Could not connect to 127.0.0.1:$Port within $TimeoutSec s."
        }
        $stream = $client.GetStream()
        $request = "$Method $Path HTTP/1.1`r`nHost: $HostHeader`r`nUser-Agent: NginxKit-tests`r`nAccept: */*`r`nConnection: close`r`n`r`n"
        $bytes = $script:Latin1.GetBytes($request)
        $stream.Write($bytes, 0, $bytes.Length)
        $buffer = [IO.MemoryStream]::new()
        $stream.CopyTo($buffer) # until the server closes
        $raw = $script:Latin1.GetString($buffer.ToArray())
    } finally {
        $client.Dispose()
    }

    $split = $raw.IndexOf("`r`n`r`n")
    if ($split -lt 0) { throw "No complete HTTP response from 127.0.0.1:$Port for $Path. Got: $raw" }
    $headLines = $raw.Substring(0, $split) -split "`r`n"
    $body = $raw.Substring($split + 4)
    if ($headLines[0] -notmatch '^HTTP/\d\.\d (\d{3})') { throw "Bad status line: $($headLines[0])" }
    $status = [int]$Matches[1]
    $headers = [ordered]@{}
    foreach ($line in $headLines | Select-Object -Skip 1) {
        $colon = $line.IndexOf(':')
        if ($colon -gt 0) { $headers[$line.Substring(0, $colon).Trim()] = $line.Substring($colon + 1).Trim() }
    }
    if ($headers.Contains('Transfer-Encoding') -and $headers['Transfer-Encoding'] -match 'chunked') {
        $body = ConvertFrom-ChunkedBody $body
    }
    [pscustomobject]@{
        PSTypeName = 'NginxKit.Test.RawHttpResponse'
        StatusCode = $status
        Headers    = $headers
        Location   = if ($headers.Contains('Location')) { $headers['Location'] } else { $null }
        Body       = $body
        Raw        = $raw
    }
}

function ConvertFrom-ChunkedBody([string] $Body) {
    $sb = [Text.StringBuilder]::new()
    $at = 0
    while ($at -lt $Body.Length) {
        $eol = $Body.IndexOf("`r`n", $at)
        if ($eol -lt 0) { break }
        $size = [Convert]::ToInt32(($Body.Substring($at, $eol - $at) -split ';')[0].Trim(), 16)
        if ($size -eq 0) { break }
        $null = $sb.Append($Body, $eol + 2, $size)
        $at = $eol + 2 + $size + 2
    }
    $sb.ToString()
}

# --- TLS: a test CA, server certificates it signs, and clients that trust only it ---------------------

function New-TestCertificateAuthority {
    <#
    .SYNOPSIS
        A CA made for one test: an RSA key and a self-signed CA certificate, valid for a day.
    #>
    param([string] $Name = 'NginxKit Test CA')
    $rsa = [Security.Cryptography.RSA]::Create(2048)
    $request = [Security.Cryptography.X509Certificates.CertificateRequest]::new("CN=$Name", $rsa, 'SHA256', [Security.Cryptography.RSASignaturePadding]::Pkcs1)
    $request.CertificateExtensions.Add([Security.Cryptography.X509Certificates.X509BasicConstraintsExtension]::new($true, $false, 0, $true))
    $request.CertificateExtensions.Add([Security.Cryptography.X509Certificates.X509KeyUsageExtension]::new('KeyCertSign, CrlSign', $true))
    $now = [DateTimeOffset]::UtcNow
    $request.CreateSelfSigned($now.AddMinutes(-5), $now.AddDays(1))
}

function New-TestServerCertificate {
    <#
    .SYNOPSIS
        A server certificate for localhost and 127.0.0.1, signed by -Authority, written as PEM to
        -Directory as tls.crt (certificate, then the CA) and tls.key. Returns the paths and the certificate.
    #>
    param(
        [Parameter(Mandatory)] [Security.Cryptography.X509Certificates.X509Certificate2] $Authority,
        [Parameter(Mandatory)] [string] $Directory,
        [string] $CommonName = 'localhost'
    )
    $rsa = [Security.Cryptography.RSA]::Create(2048)
    $request = [Security.Cryptography.X509Certificates.CertificateRequest]::new("CN=$CommonName", $rsa, 'SHA256', [Security.Cryptography.RSASignaturePadding]::Pkcs1)
    $san = [Security.Cryptography.X509Certificates.SubjectAlternativeNameBuilder]::new()
    $san.AddDnsName('localhost')
    $san.AddIpAddress([Net.IPAddress]::Loopback)
    $request.CertificateExtensions.Add($san.Build())
    $usage = [Security.Cryptography.OidCollection]::new()
    $null = $usage.Add([Security.Cryptography.Oid]::new('1.3.6.1.5.5.7.3.1'))
    $request.CertificateExtensions.Add([Security.Cryptography.X509Certificates.X509EnhancedKeyUsageExtension]::new($usage, $false))
    $serial = [byte[]]::new(12); [Security.Cryptography.RandomNumberGenerator]::Fill($serial)
    $now = [DateTimeOffset]::UtcNow
    $certificate = $request.Create($Authority, $now.AddMinutes(-5), $now.AddHours(12), $serial)
    $null = New-Item -ItemType Directory -Force -Path $Directory
    $certificatePath = Join-Path $Directory 'tls.crt'
    $keyPath = Join-Path $Directory 'tls.key'
    # Written beside, then renamed over the old files, as a rotation does.
    Set-Content -LiteralPath "$certificatePath.new" -Value ($certificate.ExportCertificatePem() + "`n" + $Authority.ExportCertificatePem() + "`n") -NoNewline
    Set-Content -LiteralPath "$keyPath.new" -Value ($rsa.ExportPkcs8PrivateKeyPem() + "`n") -NoNewline
    [IO.File]::Move("$keyPath.new", $keyPath, $true)
    [IO.File]::Move("$certificatePath.new", $certificatePath, $true)
    [pscustomobject]@{ CertificatePath = $certificatePath; KeyPath = $keyPath; Certificate = $certificate }
}

function New-TestTlsClientOptions([Security.Cryptography.X509Certificates.X509Certificate2] $Authority, [string[]] $Protocols = @('h2', 'http/1.1')) {
    # Trust -Authority alone (no system roots), and check the name, as a careful client does.
    $policy = [Security.Cryptography.X509Certificates.X509ChainPolicy]::new()
    $policy.TrustMode = 'CustomRootTrust'
    $policy.RevocationMode = 'NoCheck'
    if ($Authority) { $null = $policy.CustomTrustStore.Add($Authority) }
    $options = [Net.Security.SslClientAuthenticationOptions]::new()
    $options.TargetHost = 'localhost'
    $options.CertificateChainPolicy = $policy
    $options.ApplicationProtocols = [Collections.Generic.List[Net.Security.SslApplicationProtocol]]::new()
    foreach ($p in $Protocols) { $options.ApplicationProtocols.Add([Net.Security.SslApplicationProtocol]::new($p)) }
    $options
}

function Get-TlsHandshake {
    <#
    .SYNOPSIS
        Connects to 127.0.0.1:-Port with TLS, trusting only -Authority; returns the certificate served
        and the protocol ALPN settled on (h2 when HTTP/2 is offered). Throws when the handshake fails.
    #>
    param([Parameter(Mandatory)] [int] $Port, [Security.Cryptography.X509Certificates.X509Certificate2] $Authority, [int] $TimeoutSec = 10)
    $client = [Net.Sockets.TcpClient]::new()
    try {
        if (-not $client.ConnectAsync([Net.IPAddress]::Loopback, $Port).Wait($TimeoutSec * 1000)) { throw "Could not connect to 127.0.0.1:$Port." }
        $ssl = [Net.Security.SslStream]::new($client.GetStream())
        try {
            $ssl.AuthenticateAsClientAsync((New-TestTlsClientOptions $Authority)).GetAwaiter().GetResult()
            [pscustomobject]@{
                Certificate = [Security.Cryptography.X509Certificates.X509Certificate2]::new($ssl.RemoteCertificate)
                Protocol    = $ssl.NegotiatedApplicationProtocol.ToString()
                TlsVersion  = $ssl.SslProtocol
            }
        } finally { $ssl.Dispose() }
    } finally { $client.Dispose() }
}

function Invoke-TlsHttp {
    <#
    .SYNOPSIS
        One GET over https to localhost:-Port with HttpClient, trusting only -Authority; HTTP/2 when
        -Http2 (exactly, no fallback). Returns StatusCode, Version, Body and Headers.
    #>
    param([Parameter(Mandatory)] [int] $Port, [Parameter(Mandatory)] [string] $Path,
        [Security.Cryptography.X509Certificates.X509Certificate2] $Authority, [switch] $Http2)
    $handler = [Net.Http.SocketsHttpHandler]::new()
    $handler.SslOptions = New-TestTlsClientOptions $Authority
    $handler.AllowAutoRedirect = $false
    $client = [Net.Http.HttpClient]::new($handler)
    try {
        $client.Timeout = [TimeSpan]::FromSeconds(15)
        $request = [Net.Http.HttpRequestMessage]::new('GET', "https://localhost:$Port$Path")
        if ($Http2) { $request.Version = [version]'2.0'; $request.VersionPolicy = 'RequestVersionExact' }
        $response = $client.SendAsync($request).GetAwaiter().GetResult()
        [pscustomobject]@{
            StatusCode = [int]$response.StatusCode
            Version    = $response.Version
            Body       = $response.Content.ReadAsStringAsync().GetAwaiter().GetResult()
            Headers    = $response.Headers
        }
    } finally { $client.Dispose() }
}

# --- Sync-NginxConf -Watch as the sidecar runs it ---------------------------------------------------
# The sidecar's command line, in its own pwsh: every event, warning and error record becomes one JSON
# line in a log file the caller reads while it runs.
$script:WatcherScript = @'
param([Parameter(Mandatory)] [string] $SettingsPath)
$ErrorActionPreference = 'Stop'
$s = Get-Content -Raw -LiteralPath $SettingsPath | ConvertFrom-Json
Import-Module $s.ModulePath
$log = [IO.StreamWriter]::new($s.Log, $true)
$log.AutoFlush = $true
function Write-LogLine([hashtable] $Line) {
    $Line.at = [DateTime]::UtcNow.ToString('o')
    $log.WriteLine((ConvertTo-Json -InputObject $Line -Compress -Depth 6))
}
Write-LogLine @{ kind = 'start'; pid = $PID }
$params = @{
    Watch = $true; OutFile = $s.OutFile; KubeConfig = $s.KubeConfig; Listen = [string[]]$s.Listen
    DebounceMs = [int]$s.DebounceMs; NginxPath = $s.NginxPath
}
if ($s.ReloadPidFile) { $params.ReloadPidFile = $s.ReloadPidFile }
elseif ($s.ReloadNginx) { $params.ReloadNginx = $true }
else { $params.ReloadCommand = [string[]]$s.ReloadCommand }
if ($s.Parameters) { foreach ($p in $s.Parameters.PSObject.Properties) { $params[$p.Name] = $p.Value } }
try {
    Sync-NginxConf @params -ErrorAction Continue 2>&1 3>&1 4>&1 | ForEach-Object {
        if ($_ -is [Management.Automation.ErrorRecord]) {
            Write-LogLine @{ kind = 'error'; id = $_.FullyQualifiedErrorId; message = $_.Exception.Message }
        } elseif ($_ -is [Management.Automation.WarningRecord]) {
            Write-LogLine @{ kind = 'warning'; message = $_.Message }
        } elseif ($_ -is [Management.Automation.VerboseRecord]) {
            Write-LogLine @{ kind = 'verbose'; message = $_.Message }
        } else {
            Write-LogLine @{ kind = 'event'; event = $_ }
        }
    }
} finally {
    Write-LogLine @{ kind = 'end' }
    $log.Dispose()
}
'@

function Start-SyncWatcher {
    # Sync-NginxConf -Watch in a pwsh of its own, against $Fake (Start-FakeKubeApi), writing and
    # reloading $Nginx (Start-NginxServer). Read its log with Get-WatcherLog; end it with Stop-SyncWatcher.
    # -KubeConfig replaces the fake's own (a ServiceAccount's token, say); -Parameters go to Sync-NginxConf
    # as they are (Namespace, ExposeAll, Verbose: verbose lines are logged as kind 'verbose').
    # -Reload picks how: Command (nginx -s reload with the server's -p and -c), PidFile (SIGHUP to the
    # pid in -PidFile, by default the server's own pid file, as the entry's sidecar does), or Nginx
    # (-ReloadNginx, with -NginxPath a wrapper that gives nginx the server's -p and -c).
    param(
        [Parameter(Mandatory)] [object] $Fake,
        [Parameter(Mandatory)] [object] $Nginx,
        [Parameter(Mandatory)] [string] $Directory,
        [int] $DebounceMs = 50,
        [string] $ModulePath = (Get-NginxKitModulePath),
        [ValidateSet('Command', 'PidFile', 'Nginx')] [string] $Reload = 'Command',
        [string] $PidFile = (Join-Path $Nginx.Prefix 'nginx.pid'),
        [string] $KubeConfig = $Fake.KubeConfig,
        [hashtable] $Parameters = @{}
    )
    $tmp = Join-Path $Directory 'watcher-tmp'   # the watcher's TMPDIR: nginx -t prefixes land here
    $null = New-Item -ItemType Directory -Force -Path $tmp
    $scriptPath = Join-Path $Directory 'watcher.ps1'
    Set-Content -LiteralPath $scriptPath -Value $script:WatcherScript
    $settings = [ordered]@{
        ModulePath    = $ModulePath
        Log           = Join-Path $Directory 'watcher.log'
        OutFile       = $Nginx.ConfPath
        KubeConfig    = $KubeConfig
        Listen        = @("127.0.0.1:$($Nginx.Port)")
        ReloadCommand = @($Nginx.NginxPath, '-p', "$($Nginx.Prefix)/", '-c', $Nginx.MainConfPath, '-e', "$($Nginx.Prefix)/error.log", '-s', 'reload')
        DebounceMs    = $DebounceMs
        NginxPath     = $Nginx.NginxPath
        Parameters    = $Parameters
        ReloadPidFile = if ($Reload -eq 'PidFile') { $PidFile } else { $null }
        ReloadNginx   = $Reload -eq 'Nginx'
    }
    if ($Reload -eq 'Nginx') {
        # nginx -s reload finds the master through the pid file its config names: this nginx's, by its -p and -c.
        $wrapper = Join-Path $Directory 'nginx-wrapper.sh'
        Set-Content -LiteralPath $wrapper -Value "#!/bin/sh`nexec '$($Nginx.NginxPath)' -p '$($Nginx.Prefix)/' -c '$($Nginx.MainConfPath)' `"`$@`"`n"
        & chmod 755 $wrapper $Directory
        $settings.NginxPath = $wrapper
    }
    $settingsPath = Join-Path $Directory 'watcher.json'
    $settings | ConvertTo-Json -Depth 5 | Set-Content -LiteralPath $settingsPath

    $pwsh = Get-PwshCommand
    $psi = [Diagnostics.ProcessStartInfo]::new($pwsh[0])
    foreach ($a in @($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-File', $scriptPath, '-SettingsPath', $settingsPath)) { $psi.ArgumentList.Add($a) }
    $psi.UseShellExecute = $false
    $psi.RedirectStandardInput = $true
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $psi.Environment['TMPDIR'] = $tmp
    $psi.Environment['NO_COLOR'] = '1'
    $process = [Diagnostics.Process]::Start($psi)
    [pscustomobject]@{
        Process  = $process
        Log      = $settings.Log
        TempDir  = $tmp
        StdOut   = $process.StandardOutput.ReadToEndAsync()
        StdErr   = $process.StandardError.ReadToEndAsync()
        Settings = $settings
    }
}

# Every complete JSON line of the watcher's log so far, oldest first.
function Get-WatcherLog([object] $Watcher) {
    if (-not (Test-Path -LiteralPath $Watcher.Log)) { return @() }
    $stream = [IO.File]::Open($Watcher.Log, 'Open', 'Read', 'ReadWrite')
    try { $text = [IO.StreamReader]::new($stream).ReadToEnd() } finally { $stream.Dispose() }
    $complete = $text.Substring(0, $text.LastIndexOf("`n") + 1)
    @($complete -split "`n" | Where-Object { $_ } | ForEach-Object { $_ | ConvertFrom-Json -Depth 16 })
}

# The log from line $From on, of one kind.
function Get-WatcherEntry([object] $Watcher, [int] $From = 0, [string] $Kind) {
    $all = @(Get-WatcherLog $Watcher)
    @($all | Select-Object -Skip $From | Where-Object { -not $Kind -or $_.kind -eq $Kind })
}

function Start-SyncedNginx {
    <#
    .SYNOPSIS
        nginx on a free loopback port, started on what Sync-NginxConf -Once renders from the cluster (as the
        entry's init container leaves it), and a watcher (Start-SyncWatcher) keeping it in step: the entry's
        two steps on this host. Returns Server and Watcher; Stop-SyncedNginx ends both.
        -KubeConfig and -Namespace go to the -Once run (by default the fake's kubeconfig); -Watcher holds
        Start-SyncWatcher's own parameters.
    #>
    param(
        [Parameter(Mandatory)] [object] $Fake,
        [Parameter(Mandatory)] [string] $Directory,
        [Parameter(Mandatory)] [string] $NginxPath,
        [string] $KubeConfig,
        [string[]] $Namespace,
        [hashtable] $Watcher = @{}
    )
    $initial = Join-Path $Directory 'initial.conf'
    $once = @{ OutFile = $initial; KubeConfig = if ($KubeConfig) { $KubeConfig } else { $Fake.KubeConfig }; Listen = "127.0.0.1:$(Get-FreeTcpPort)"; NginxPath = $NginxPath }
    if ($Namespace) { $once.Namespace = $Namespace }
    $null = Sync-NginxConf -Once @once -ErrorAction Stop
    $server = Start-NginxServer -Config (Get-Content -LiteralPath $initial -Raw) -NginxPath $NginxPath
    try {
        $started = Start-SyncWatcher -Fake $Fake -Nginx $server -Directory $Directory @Watcher
    } catch {
        Stop-NginxServer $server
        throw
    }
    [pscustomobject]@{ Server = $server; Watcher = $started }
}

function Stop-SyncedNginx([object] $Synced) {
    if (-not $Synced) { return }
    Stop-SyncWatcher $Synced.Watcher
    if ($Synced.Watcher) { $Synced.Watcher.Process.Dispose() }
    Stop-NginxServer $Synced.Server
}

# What a failed wait on a watcher shows: its last log lines, its stderr once it exited, nginx's error.log.
function Get-WatcherDiagnostics([object] $Watcher, [object] $Nginx) {
    "--- watcher log (last 25 lines):"
    @(Get-WatcherLog $Watcher) | Select-Object -Last 25 | ForEach-Object { ConvertTo-Json -InputObject $_ -Compress -Depth 6 }
    if ($Watcher.Process.HasExited) {
        "--- watcher exited with $($Watcher.Process.ExitCode); stderr:"
        $Watcher.StdErr.GetAwaiter().GetResult()
    }
    if ($Nginx) {
        "--- nginx error.log (last 10 lines):"
        Get-Content (Join-Path $Nginx.Prefix 'error.log') -Tail 10 -ErrorAction Ignore
    }
}

# SIGTERM, as the kubelet stops a container; a kill only when it does not end in time.
function Stop-SyncWatcher([object] $Watcher, [int] $TimeoutSec = 15) {
    if (-not $Watcher -or $Watcher.Process.HasExited) { return }
    $kill = (Get-Command kill -CommandType Application | Select-Object -First 1).Source
    & $kill -TERM $Watcher.Process.Id
    if (-not $Watcher.Process.WaitForExit($TimeoutSec * 1000)) { Stop-ProcessTree $Watcher.Process }
}

function Start-RouteServer {
    <#
    .SYNOPSIS
        nginx on a free loopback port, serving what New-NginxConf renders for -Routes.
    #>
    param(
        [Parameter(Mandatory)] [object[]] $Routes,
        [Parameter(Mandatory)] [string] $NginxPath,
        [string] $Layout = 'Auto'
    )
    $conf = $Routes | New-NginxConf -Listen "127.0.0.1:$(Get-FreeTcpPort)" -Layout $Layout -ErrorAction Stop
    Start-NginxServer -Config $conf -NginxPath $NginxPath
}

Export-ModuleMember -Function Get-FreeTcpPort, Start-EchoBackend, Stop-EchoBackend, ConvertTo-EchoRoute,
    Start-NginxServer, Start-RouteServer, Update-NginxServer, Stop-NginxServer, Invoke-RawHttp,
    New-TestCertificateAuthority, New-TestServerCertificate, Get-TlsHandshake, Invoke-TlsHttp,
    Start-SyncWatcher, Start-SyncedNginx, Stop-SyncedNginx, Get-WatcherLog, Get-WatcherEntry, Get-WatcherDiagnostics, Stop-SyncWatcher, Test-TcpPort
