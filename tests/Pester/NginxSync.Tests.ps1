<#
    Sync-NginxConf against the fake kube-apiserver (tests/Fixtures/FakeKubeApi) and a real nginx in
    front of raw-socket echo backends (tests/Fixtures/EchoBackend):
      -Once   the init container: the file New-NginxConf renders for the same routes, no rewrite when
              nothing changed, a non-zero exit and no file when the cluster cannot be read or no
              Service yields a valid route.
      -Watch  the sidecar, as its own pwsh process reloading a real nginx with -ReloadCommand:
              created, moved and deleted Services reach the traffic; a burst becomes a few reloads;
              hostile routes are refused; a config nginx -t rejects is never written; a 410 or a
              restarted API server ends in a relist; SIGTERM ends it cleanly.

    Services get spec.clusterIP 127.0.0.1 (the fake keeps a given clusterIP, as the apiserver does)
    and the port of an echo backend, so the route the sidecar renders reaches a real backend.

    Environment: as TestHelpers.psm1 lists it, and
      NGINXKIT_REQUIRE_REAL    1 to fail instead of skipping when nginx is not installed
#>

BeforeDiscovery {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    $nginx = Find-RealTool -Name nginx
}

BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-TestModule FakeKubeApi, NginxHarness
    $nginxPath = Find-RealTool -Name nginx

    # One API call over a shared HttpClient (fast enough for a burst of 100 patches); throws on a non-2xx answer.
    $script:Http = [Net.Http.HttpClient]::new()
    $script:Http.Timeout = [TimeSpan]::FromSeconds(30)
    function Invoke-KubeApi {
        param(
            [Parameter(Mandatory)] [object] $Server,
            [Parameter(Mandatory)] [string] $Method,
            [Parameter(Mandatory)] [string] $Path,
            [object] $Body,
            [string] $ContentType = 'application/json'
        )
        $request = [Net.Http.HttpRequestMessage]::new([Net.Http.HttpMethod]::new($Method), "$($Server.Url)$Path")
        if ($null -ne $Body) {
            $json = if ($Body -is [string]) { $Body } else { ConvertTo-Json -InputObject $Body -Depth 32 -Compress }
            $request.Content = [Net.Http.StringContent]::new($json, [Text.Encoding]::UTF8, $ContentType)
        }
        $response = $script:Http.SendAsync($request).GetAwaiter().GetResult()
        try {
            $text = $response.Content.ReadAsStringAsync().GetAwaiter().GetResult()
            if (-not $response.IsSuccessStatusCode) { throw "$Method $Path answered $([int]$response.StatusCode): $text" }
            if ($text) { $text | ConvertFrom-Json -Depth 64 }
        } finally {
            $response.Dispose()
            $request.Dispose()
        }
    }

    function New-ClusterService([object] $Server, [System.Collections.IDictionary] $Service) {
        $null = Invoke-KubeApi -Server $Server -Method POST -Path "/api/v1/namespaces/$($Service.metadata.namespace)/services" -Body $Service
    }

    function Set-ClusterServicePort([object] $Server, [string] $Name, [int] $Port, [string] $Namespace = 'default') {
        $null = Invoke-KubeApi -Server $Server -Method PATCH -Path "/api/v1/namespaces/$Namespace/services/$Name" `
            -ContentType 'application/merge-patch+json' -Body @{ spec = @{ ports = @(@{ name = 'http'; port = $Port; targetPort = 8080 }) } }
    }

    function Remove-ClusterService([object] $Server, [string] $Name, [string] $Namespace = 'default') {
        $null = Invoke-KubeApi -Server $Server -Method DELETE -Path "/api/v1/namespaces/$Namespace/services/$Name"
    }

    # GET through nginx; $null when nothing answered (nginx between workers, or not up).
    function Get-Served([int] $Port, [string] $Path) {
        try { Invoke-RawHttp -Port $Port -Path $Path -TimeoutSec 5 } catch { $null }
    }

    # Sync-NginxConf -Watch in a runspace of this process, as a session runs it until Ctrl+C: the
    # PowerShell instance (stop it, then dispose it) and the collection its SyncEvents arrive in.
    function Start-WatchInRunspace([string] $OutFile, [string] $KubeConfig, [hashtable] $Parameters = @{}, [string] $Listen = '127.0.0.1:18080') {
        $ps = [powershell]::Create()
        $null = $ps.AddScript({
                param($Module, $Out, $KubeConfig, $Parameters, $Listen)
                Import-Module $Module
                Sync-NginxConf -Watch -OutFile $Out -KubeConfig $KubeConfig -Listen $Listen @Parameters
            }).AddArgument((Get-NginxKitModulePath)).AddArgument($OutFile).AddArgument($KubeConfig).AddArgument($Parameters).AddArgument($Listen)
        $none = [Management.Automation.PSDataCollection[psobject]]::new()
        $none.Complete()
        $events = [Management.Automation.PSDataCollection[psobject]]::new()
        $null = $ps.BeginInvoke($none, $events)
        [pscustomobject]@{ PowerShell = $ps; Events = $events }
    }

    # A fake API server holding the Service web (its clusterIP given, port 8080), and a directory for the config.
    function Start-WebCluster([string] $ClusterIP, [switch] $Tls) {
        $fake = Start-FakeKubeApi -Tls:$Tls
        $null = Add-FakeKubeObject -Server $fake -Object (New-FakeKubeService -Name web -ClusterIP $ClusterIP -Port 8080)
        [pscustomobject]@{ Fake = $fake; Dir = New-TestDirectory }
    }
    function Stop-WebCluster([object] $Cluster) {
        if (-not $Cluster) { return }
        Stop-FakeKubeApi $Cluster.Fake
        Remove-Item -LiteralPath $Cluster.Dir -Recurse -Force -ErrorAction Ignore
    }

    # Start-WatchInRunspace, returned once the first sync has written the file.
    function Start-WatchToFirstWrite([string] $OutFile, [string] $KubeConfig, [hashtable] $Parameters) {
        $watch = Start-WatchInRunspace -OutFile $OutFile -KubeConfig $KubeConfig -Parameters $Parameters
        try {
            $null = Wait-Until -TimeoutSec 60 -Because 'the first sync to write the file' -Condition { Test-Path -LiteralPath $OutFile }
        } catch {
            $watch.PowerShell.Dispose()
            throw
        }
        $watch
    }

    # For a Describe that runs a watcher: each reads $server, $watcher and $diagnostics from the caller's scope.
    function Wait-Served([string] $Path, [string] $Body, [int] $TimeoutSec = 30) {
        Wait-Until -TimeoutSec $TimeoutSec -Because "$Path to answer '$Body'" -Diagnostics $diagnostics -Process $watcher.Process -Condition {
            $r = Get-Served -Port $server.Port -Path $Path
            $r -and $r.StatusCode -eq 200 -and $r.Body -ceq $Body
        }
    }
    function Wait-NotFound([string] $Path, [int] $TimeoutSec = 30) {
        Wait-Until -TimeoutSec $TimeoutSec -Because "$Path to answer 404" -Diagnostics $diagnostics -Process $watcher.Process -Condition {
            $r = Get-Served -Port $server.Port -Path $Path
            $r -and $r.StatusCode -eq 404
        }
    }
    # The first entry at or after $From matching $Filter.
    function Wait-Entry([int] $From, [string] $Kind, [scriptblock] $Filter = { $true }, [string] $Because, [int] $TimeoutSec = 30) {
        Wait-Until -TimeoutSec $TimeoutSec -Because $Because -Diagnostics $diagnostics -Process $watcher.Process -Condition {
            Get-WatcherEntry $watcher -From $From -Kind $Kind | Where-Object $Filter | Select-Object -First 1
        }
    }
    function Get-Mark { @(Get-WatcherLog $watcher).Count }

    # The events so far, by index: enumerating a PSDataCollection waits for it to be completed.
    function Get-WatchEvent([object] $Watch, [int] $From = 0) {
        $events = $Watch.Events
        @(for ($i = $From; $i -lt $events.Count; $i++) { $events[$i] })
    }

}

Describe 'Sync-NginxConf -Once renders the cluster''s Services' -Tag 'Kubernetes', 'Nginx', 'Real' -Skip:(-not $nginx) {
    BeforeAll {
        $fake = Start-FakeKubeApi
        $dir = New-TestDirectory
        $out = Join-Path $dir 'conf.d/default.conf'
        $listen = '127.0.0.1:18080'
        $null = Add-FakeKubeObject -Server $fake -Object @(
            New-FakeKubeService -Name volume -Namespace storage -ClusterIP 10.96.50.1 -Port 8081 -Annotations @{ 'nginxkit.io/path' = '/volume' }
            # no path annotation: /api; two ports, the annotation names one
            New-FakeKubeService -Name api -ClusterIP 10.96.50.2 -Annotations @{ 'nginxkit.io/port' = 'http' } -Ports @(
                @{ name = 'http'; port = 8080; targetPort = 8080 }
                @{ name = 'metrics'; port = 9090; targetPort = 9090 })
            New-FakeKubeService -Name legacy -ClusterIP 10.96.50.3 -Port 8082 -Annotations @{ 'nginxkit.io/path' = '/old/app'; 'nginxkit.io/strip-prefix' = 'false' }
            New-FakeKubeService -Name hidden -ClusterIP 10.96.50.4 -Annotations @{ 'nginxkit.io/expose' = 'false' }
            New-FakeKubeService -Name headless -ClusterIP None
            New-FakeKubeService -Name quiet -ClusterIP 10.96.50.5 -NoOptIn
        )
        # The same routes, as New-NginxConf takes them (deliberately in another order).
        $routes = @(
            [pscustomobject]@{ Path = '/old/app'; Backend = '10.96.50.3'; Port = 8082; Service = 'legacy'; Namespace = 'default'; StripPrefix = $false }
            [pscustomobject]@{ Path = '/volume'; Backend = '10.96.50.1'; Port = 8081; Service = 'volume'; Namespace = 'storage'; StripPrefix = $true }
            [pscustomobject]@{ Path = '/api'; Backend = '10.96.50.2'; Port = 8080; Service = 'api'; Namespace = 'default'; StripPrefix = $true }
        )
        $expected = $routes | New-NginxConf -Listen $listen -ErrorAction Stop
    }

    AfterAll {
        Stop-FakeKubeApi $fake
        if ($dir) { Remove-Item -LiteralPath $dir -Recurse -Force -ErrorAction Ignore }
    }

    It 'writes exactly what New-NginxConf renders for the same routes, validated by nginx -t' {
        $result = Sync-NginxConf -Once -OutFile $out -KubeConfig $fake.KubeConfig -Listen $listen -NginxPath $nginxPath `
            -WarningVariable warnings -WarningAction SilentlyContinue -ErrorVariable problems -ErrorAction SilentlyContinue -Verbose 4>&1 |
            Tee-Object -Variable output | Where-Object { $_ -isnot [Management.Automation.VerboseRecord] }
        $verbose = @($output | Where-Object { $_ -is [Management.Automation.VerboseRecord] }).Message
        $problems | Should -BeNullOrEmpty
        $result.Changed | Should -BeTrue
        $result.Written | Should -BeTrue
        $result.Validated | Should -BeTrue
        $result.Reloaded | Should -BeFalse
        $result.Routes | Should -Be 3
        $result.Refused | Should -Be 0
        $result.Error | Should -BeNullOrEmpty
        @($result.Added) | Should -Be @('_/api/', '_/old/app/', '_/volume/')

        $written = Get-Content -LiteralPath $out -Raw
        $written | Should -BeExactly $expected
        foreach ($line in 'location /api/ {', 'location /volume/ {', 'location /old/app/ {',
            'proxy_pass http://10.96.50.2:8080/;', 'proxy_pass http://10.96.50.1:8081/;', 'proxy_pass http://10.96.50.3:8082;') {
            $written | Should -Match ([regex]::Escape($line))
        }
        $written | Should -Not -Match '9090|10\.96\.50\.[45]|hidden|headless|quiet'
        $result.Hash | Should -Be (($written -split "`n")[0] -replace '^# nginxkit-hash: ')
        # A Service that opted in and cannot be routed is a warning; one that did not ask is a verbose line.
        @($warnings).Count | Should -Be 1
        "$warnings" | Should -Match 'default/headless: it is headless'
        $verbose | Should -Contain 'Skipped Service default/quiet: it does not opt in: give it nginxkit.io/path, or nginxkit.io/expose: "true".'
        $verbose | Should -Contain 'Skipped Service default/hidden: nginxkit.io/expose is "false".'
    }

    It 'changes nothing on a second run: Changed is false and the file is not rewritten' {
        # An mtime in the past, so that any rewrite moves it, however soon it comes.
        [IO.File]::SetLastWriteTimeUtc($out, [datetime]::new(2001, 1, 1, 0, 0, 0, [DateTimeKind]::Utc))
        $before = Get-Item -LiteralPath $out
        $bytes = [IO.File]::ReadAllBytes($out)
        $result = Sync-NginxConf -Once -OutFile $out -KubeConfig $fake.KubeConfig -Listen $listen -NginxPath $nginxPath -WarningAction SilentlyContinue
        $result.Changed | Should -BeFalse
        $result.Written | Should -BeFalse
        $result.Error | Should -BeNullOrEmpty
        $after = Get-Item -LiteralPath $out
        $after.LastWriteTimeUtc | Should -Be $before.LastWriteTimeUtc
        [IO.File]::ReadAllBytes($out) | Should -Be $bytes
        # No backup and no temp file: nothing was written at all.
        @(Get-ChildItem -LiteralPath (Split-Path $out) -Force).Name | Should -Be @('default.conf')
    }

    It '-WhatIf shows the diff it would write, and writes nothing' {
        $preview = Join-Path $dir 'preview/default.conf'
        $r = Invoke-FreshPwsh -Script "Import-Module '$(Get-NginxKitModulePath)'; Sync-NginxConf -Once -OutFile '$preview' -KubeConfig '$($fake.KubeConfig)' -Listen $listen -WhatIf -WarningAction SilentlyContinue | Out-Null"
        $r.ExitCode | Should -Be 0 -Because ($r.Output -join "`n")
        $text = $r.Output -join "`n"
        $text | Should -Match 'What if: Write nginx config'
        $text | Should -Match ([regex]::Escape('+    location /volume/ {'))
        Test-Path -LiteralPath (Split-Path $preview) | Should -BeFalse
    }
}

Describe 'Sync-NginxConf -Once fails without a usable cluster, and writes nothing' -Tag 'Kubernetes', 'Nginx', 'Real' -Skip:(-not $nginx) {
    BeforeAll {
        $dir = New-TestDirectory
        $module = Get-NginxKitModulePath
        function Invoke-Once([string] $OutFile, [string] $KubeConfig) {
            Invoke-FreshPwsh -Script "Import-Module '$module'; Sync-NginxConf -Once -OutFile '$OutFile' -KubeConfig '$KubeConfig' -Listen 127.0.0.1:18080 -NginxPath '$nginxPath'"
        }
    }

    AfterAll {
        if ($dir) { Remove-Item -LiteralPath $dir -Recurse -Force -ErrorAction Ignore }
    }

    Context 'the API server is down' {
        BeforeAll {
            # A fake that served a valid Service, then stopped: its port is closed now.
            $fake = Start-FakeKubeApi
            $null = Add-FakeKubeObject -Server $fake -Object (New-FakeKubeService -Name web -Port 8080)
            $kubeConfig = Join-Path $dir 'down.kubeconfig'
            Copy-Item -LiteralPath $fake.KubeConfig -Destination $kubeConfig
            Stop-FakeKubeApi $fake
        }

        It 'exits non-zero with a clear message, and creates no file' {
            $out = Join-Path $dir 'fresh/default.conf'
            $r = Invoke-Once -OutFile $out -KubeConfig $kubeConfig
            $r.ExitCode | Should -Not -Be 0
            $text = $r.Output -join "`n"
            $text | Should -Match 'Listing Services'
            $text | Should -Match 'did not answer|refused|unreachable'
            Test-Path -LiteralPath $out | Should -BeFalse
            Test-Path -LiteralPath (Split-Path $out) | Should -BeFalse
        }

        It 'leaves an existing file untouched' {
            $confDir = Join-Path $dir 'existing'
            $null = New-Item -ItemType Directory -Path $confDir
            $out = Join-Path $confDir 'default.conf'
            Set-Content -LiteralPath $out -Value "# the last good config`n" -NoNewline
            $before = Get-Item -LiteralPath $out
            $r = Invoke-Once -OutFile $out -KubeConfig $kubeConfig
            $r.ExitCode | Should -Not -Be 0
            Get-Content -LiteralPath $out -Raw | Should -BeExactly "# the last good config`n"
            (Get-Item -LiteralPath $out).LastWriteTimeUtc | Should -Be $before.LastWriteTimeUtc
            @(Get-ChildItem -LiteralPath $confDir -Force).Name | Should -Be @('default.conf')
        }
    }

    Context 'no Service yields a valid route' {
        BeforeAll {
            $fake = Start-FakeKubeApi
            $null = Add-FakeKubeObject -Server $fake -Object @(
                New-FakeKubeService -Name inject -Port 8080 -Annotations @{ 'nginxkit.io/path' = '/a; } server { listen 18098; location /evil/ {' }
                New-FakeKubeService -Name newline -Port 8080 -Annotations @{ 'nginxkit.io/path' = "/b`n}`nserver { listen 18097; }" }
                New-FakeKubeService -Name dots -Port 8080 -Annotations @{ 'nginxkit.io/path' = '/../etc' }
                New-FakeKubeService -Name noport -Port 8080 -Annotations @{ 'nginxkit.io/port' = 'nope' }
                New-FakeKubeService -Name headless -ClusterIP None
            )
        }

        AfterAll {
            Stop-FakeKubeApi $fake
        }

        It 'exits non-zero, names each refused Service, and creates no file' {
            $out = Join-Path $dir 'hostile/default.conf'
            $r = Invoke-Once -OutFile $out -KubeConfig $fake.KubeConfig
            $r.ExitCode | Should -Not -Be 0
            $text = $r.Output -join "`n"
            $text | Should -Match 'No Service yields a valid route'
            foreach ($name in 'inject', 'newline', 'dots', 'noport') { $text | Should -Match "default/$name" }
            Test-Path -LiteralPath $out | Should -BeFalse
        }

        It 'leaves an existing file untouched' {
            $confDir = Join-Path $dir 'hostile-existing'
            $null = New-Item -ItemType Directory -Path $confDir
            $out = Join-Path $confDir 'default.conf'
            Set-Content -LiteralPath $out -Value "# the last good config`n" -NoNewline
            $r = Invoke-Once -OutFile $out -KubeConfig $fake.KubeConfig
            $r.ExitCode | Should -Not -Be 0
            Get-Content -LiteralPath $out -Raw | Should -BeExactly "# the last good config`n"
            @(Get-ChildItem -LiteralPath $confDir -Force).Name | Should -Be @('default.conf')
        }
    }
}

Describe 'Sync-NginxConf -Once refuses a config nginx -t rejects, and writes nothing' -Tag 'Kubernetes', 'Nginx', 'Real' -Skip:(-not $nginx) {
    BeforeAll {
        $dir = New-TestDirectory
        $fake = Start-FakeKubeApi
        $null = Add-FakeKubeObject -Server $fake -Object (New-FakeKubeService -Name web -Port 8080)
        # The allow-lists keep cluster values valid; what nginx can still reject is the operator's own template.
        Set-Content "$dir/broken.tmpl" "server {`n    listen {{ listen }};`n{{#routes}}    location {{ location }} { proxy_pass {{ proxy_pass }} }`n{{/routes}}}`n"
        # Two servers by one name: nginx warns and ignores the second, which -Once, testing strictly, refuses.
        Set-Content "$dir/warned.tmpl" "server {`n    listen {{ listen }};`n    server_name twice.example;`n{{ locations }}}`nserver {`n    listen 127.0.0.1:18080;`n    server_name twice.example;`n}`n"
    }

    AfterAll {
        Stop-FakeKubeApi $fake
        if ($dir) { Remove-Item -LiteralPath $dir -Recurse -Force -ErrorAction Ignore }
    }

    It 'stops with ConfigRejected on <Case>, and leaves the last good file as it was' -ForEach @(
        @{ Case = 'an error'; Template = 'broken.tmpl'; Says = 'unexpected|invalid|expecting' }
        @{ Case = 'a warning'; Template = 'warned.tmpl'; Says = 'conflicting server name "twice.example"' }
    ) {
        $out = Join-Path $dir "out-$Template/default.conf"
        $null = New-Item -ItemType Directory -Force -Path (Split-Path $out)
        Set-Content -LiteralPath $out -Value "# the last good config`n" -NoNewline
        $thrown = $null
        try { Sync-NginxConf -Once -OutFile $out -KubeConfig $fake.KubeConfig -Listen 127.0.0.1:18080 -Template "$dir/$Template" -NginxPath $nginxPath -ErrorAction Stop } catch { $thrown = $_ }
        $thrown | Should -Not -BeNullOrEmpty
        $thrown.FullyQualifiedErrorId | Should -BeLike 'ConfigRejected,*'
        $thrown.Exception.Message | Should -Match $Says
        Get-Content -LiteralPath $out -Raw | Should -BeExactly "# the last good config`n"
        @(Get-ChildItem -LiteralPath (Split-Path $out) -Force).Name | Should -Be @('default.conf')
    }

    It 'ends the process non-zero, as an init container must' {
        $out = Join-Path $dir 'exit/default.conf'
        $r = Invoke-FreshPwsh -Script "Import-Module '$(Get-NginxKitModulePath)'; Sync-NginxConf -Once -OutFile '$out' -KubeConfig '$($fake.KubeConfig)' -Listen 127.0.0.1:18080 -Template '$dir/broken.tmpl' -NginxPath '$nginxPath'"
        $r.ExitCode | Should -Not -Be 0
        Test-Path -LiteralPath $out | Should -BeFalse
    }
}

Describe 'Sync-NginxConf -Watch reloads nginx when its certificate rotates' -Tag 'Kubernetes', 'Nginx', 'Real' -Skip:(-not $nginx) {
    BeforeAll {
        $dir = New-TestDirectory
        $backend = @(Start-EchoBackend -Name app)[0]
        $fake = Start-FakeKubeApi
        $null = Add-FakeKubeObject -Server $fake -Object (New-FakeKubeService -Name app -Port $backend.Port)
        $ca = New-TestCertificateAuthority
        $first = New-TestServerCertificate -Authority $ca -Directory "$dir/tls"
        $plain = "127.0.0.1:$(Get-FreeTcpPort)"
        $secure = Get-FreeTcpPort
        $tlsParameters = @{ TlsCertificate = $first.CertificatePath; TlsKey = $first.KeyPath; TlsListen = "127.0.0.1:$secure" }
        # nginx starts on what the init container writes.
        $initial = Join-Path $dir 'init/default.conf'
        $null = Sync-NginxConf -Once -OutFile $initial -KubeConfig $fake.KubeConfig -Listen $plain -NginxPath $nginxPath @tlsParameters -ErrorAction Stop
        $server = Start-NginxServer -Config (Get-Content -LiteralPath $initial -Raw) -NginxPath $nginxPath
        # The sidecar's way: SIGHUP to the PID in nginx's pid file.
        $watch = Start-WatchInRunspace -OutFile $server.ConfPath -KubeConfig $fake.KubeConfig -Listen $plain -Parameters (@{
                NginxPath = $nginxPath; ReloadPidFile = Join-Path $server.Prefix 'nginx.pid'; DebounceMs = 20 } + $tlsParameters)
    }

    AfterAll {
        if ($watch) { $watch.PowerShell.Stop(); $watch.PowerShell.Dispose() }
        if ($server) { Stop-NginxServer $server }
        if ($backend) { $backend | Stop-EchoBackend }
        Stop-FakeKubeApi $fake
        if ($dir) { Remove-Item -LiteralPath $dir -Recurse -Force -ErrorAction Ignore }
    }

    It 'serves the first certificate, and the watch starts in step' {
        Wait-Until -TimeoutSec 60 -Because 'the first sync' -Condition { $watch.Events.Count -ge 1 }
        $watch.Events[0].Changed | Should -BeFalse
        (Get-TlsHandshake -Port $secure -Authority $ca).Certificate.Thumbprint | Should -Be $first.Certificate.Thumbprint
        (Invoke-TlsHttp -Port $secure -Path '/app/x' -Authority $ca).Body | Should -BeExactly 'app GET /x HTTP/1.1'
    }

    It 'serves a rotated certificate after the sync''s reload, with no restart' {
        $master = $server.Process.Id
        $second = New-TestServerCertificate -Authority $ca -Directory "$dir/tls"
        $second.Certificate.Thumbprint | Should -Not -Be $first.Certificate.Thumbprint
        Wait-Until -TimeoutSec 30 -Because 'nginx to serve the new certificate' -Condition {
            try { (Get-TlsHandshake -Port $secure -Authority $ca).Certificate.Thumbprint -eq $second.Certificate.Thumbprint } catch { $false }
        }
        $server.Process.HasExited | Should -BeFalse
        $server.Process.Id | Should -Be $master
        $rotation = @(Get-WatchEvent $watch | Where-Object Trigger -EQ 'certificate')
        $rotation.Count | Should -Be 1
        $rotation[0].Reloaded | Should -BeTrue
        $rotation[0].Written | Should -BeFalse
        $rotation[0].Validated | Should -BeTrue
        $rotation[0].Error | Should -BeNullOrEmpty
        (Invoke-TlsHttp -Port $secure -Path '/app/y' -Authority $ca).Body | Should -BeExactly 'app GET /y HTTP/1.1'
    }

    It 'keeps the certificate it has while the new key does not match, and reloads once it does' {
        $events = $watch.Events.Count
        # After a reload, old workers may answer a last handshake or two: take the certificate once
        # five handshakes in a row agree on it.
        $agreed = [Collections.Generic.List[string]]::new()
        Wait-Until -TimeoutSec 30 -Because 'nginx to serve one certificate steadily' -Condition {
            $agreed.Add((Get-TlsHandshake -Port $secure -Authority $ca).Certificate.Thumbprint)
            $agreed.Count -ge 5 -and @($agreed | Select-Object -Last 5 | Sort-Object -Unique).Count -eq 1
        }
        $served = $agreed[-1]
        # Half a rotation: a new certificate beside the old key.
        $third = New-TestServerCertificate -Authority $ca -Directory "$dir/next"
        Copy-Item -LiteralPath $third.CertificatePath -Destination "$dir/tls/tls.crt" -Force
        Wait-Until -TimeoutSec 30 -Because 'the sync to refuse the mismatched pair' -Condition { @(Get-WatchEvent $watch -From $events | Where-Object Error).Count -ge 1 }
        $refused = @(Get-WatchEvent $watch -From $events | Where-Object Error)[0]
        $refused.Reloaded | Should -BeFalse
        $refused.Error | Should -Match 'rotated certificate'
        (Get-TlsHandshake -Port $secure -Authority $ca).Certificate.Thumbprint | Should -Be $served
        # The key arrives: the pair matches, and nginx loads it.
        Copy-Item -LiteralPath $third.KeyPath -Destination "$dir/tls/tls.key" -Force
        Wait-Until -TimeoutSec 30 -Because 'nginx to serve the completed rotation' -Condition {
            try { (Get-TlsHandshake -Port $secure -Authority $ca).Certificate.Thumbprint -eq $third.Certificate.Thumbprint } catch { $false }
        }
    }
}

Describe 'Sync-NginxConf -Watch keeps a real nginx in step with the cluster' -Tag 'Kubernetes', 'Nginx', 'Real' -Skip:(-not $nginx) {
    BeforeAll {
        $dir = New-TestDirectory
        $backends = @(Start-EchoBackend -Name stable, alpha, beta, gamma)
        $port = @{}
        foreach ($b in $backends) { $port[$b.Name] = $b.Port }

        $fakePort = Get-FreeTcpPort
        $fake = Start-FakeKubeApi -Port $fakePort
        $kubeConfig = $fake.KubeConfig
        New-ClusterService $fake (New-FakeKubeService -Name stable -Port $port.stable)

        # nginx starts on what -Once renders, as the init container leaves it for the pod.
        $synced = Start-SyncedNginx -Fake $fake -Directory $dir -NginxPath $nginxPath -KubeConfig $kubeConfig
        $server, $watcher = $synced.Server, $synced.Watcher

        $diagnostics = { Get-WatcherDiagnostics $watcher $server }
    }

    AfterAll {
        Stop-SyncedNginx $synced
        Stop-FakeKubeApi $fake
        if ($backends) { $backends | Stop-EchoBackend }
        if ($dir) { Remove-Item -LiteralPath $dir -Recurse -Force -ErrorAction Ignore }
    }

    It 'starts in step: the sync after the first list finds nothing to change' {
        $first = Wait-Entry -From 0 -Kind event -Because 'the first sync'
        $first.event.Trigger | Should -Be 'list'
        $first.event.Changed | Should -BeFalse
        $first.event.Written | Should -BeFalse
        $first.event.Routes | Should -Be 1
        Wait-Until -Because 'the watch to be open' -Diagnostics $diagnostics -Condition {
            Get-FakeKubeRequest -Server $fake -Path /api/v1/services | Where-Object { $_.watch -and $_.status -eq 200 }
        }
        (Get-Served -Port $server.Port -Path '/stable/x').Body | Should -BeExactly 'stable GET /x HTTP/1.1'
    }

    It 'serves a Service created in the cluster' {
        $mark = Get-Mark
        New-ClusterService $fake (New-FakeKubeService -Name moving -Port $port.alpha)
        Wait-Served -Path '/moving/x' -Body 'alpha GET /x HTTP/1.1'
        $sync = Wait-Entry -From $mark -Kind event -Filter { $_.event.Reloaded } -Because 'the reload event'
        $sync.event.Changed | Should -BeTrue
        $sync.event.Written | Should -BeTrue
        $sync.event.Validated | Should -BeTrue
        $sync.event.Error | Should -BeNullOrEmpty
        @($sync.event.Added) | Should -Be @('_/moving/')
        $sync.event.Routes | Should -Be 2
        Get-Content -LiteralPath $server.ConfPath -Raw | Should -Match ([regex]::Escape("proxy_pass http://127.0.0.1:$($port.alpha)/;"))
    }

    It 'moves the traffic when the Service''s port changes to another backend' {
        $mark = Get-Mark
        Set-ClusterServicePort $fake -Name moving -Port $port.beta
        Wait-Served -Path '/moving/x' -Body 'beta GET /x HTTP/1.1'
        $sync = Wait-Entry -From $mark -Kind event -Filter { $_.event.Reloaded } -Because 'the reload event'
        @($sync.event.Added) | Should -Be @('_/moving/')   # same location, new proxy_pass
        (Get-Served -Port $server.Port -Path '/stable/x').Body | Should -BeExactly 'stable GET /x HTTP/1.1'
    }

    It 'drops the route when the Service is deleted' {
        $mark = Get-Mark
        Remove-ClusterService $fake -Name moving
        Wait-NotFound -Path '/moving/x'
        $sync = Wait-Entry -From $mark -Kind event -Filter { $_.event.Reloaded } -Because 'the reload event'
        @($sync.event.Removed) | Should -Be @('_/moving/')
        $sync.event.Routes | Should -Be 1
        (Get-Served -Port $server.Port -Path '/stable/x').Body | Should -BeExactly 'stable GET /x HTTP/1.1'
        Get-Content -LiteralPath $server.ConfPath -Raw | Should -Not -Match 'moving'
    }

    It 'turns a burst of 100 Service changes into at most 5 reloads, ending on the last state' {
        $created = Get-Mark
        New-ClusterService $fake (New-FakeKubeService -Name burst -Port $port.alpha)
        Wait-Served -Path '/burst/x' -Body 'alpha GET /x HTTP/1.1'
        $null = Wait-Entry -From $created -Kind event -Filter { '_/burst/' -in @($_.event.Added) } -Because 'the sync for the create'
        $mark = Get-Mark
        # The 100 patches go to the fake in one request, so their 100 MODIFIED events reach the watch
        # together however slowly this host runs the test.
        $patches = for ($i = 1; $i -le 100; $i++) {
            $to = if ($i -eq 100) { $port.gamma } elseif ($i % 2) { $port.beta } else { $port.alpha }
            @{ path = '/api/v1/namespaces/default/services/burst'; patch = @{ spec = @{ ports = @(@{ name = 'http'; port = $to; targetPort = 8080 }) } } }
        }
        $patched = @(Invoke-FakeKubePatch -Server $fake -Patch $patches)
        @($patched.metadata.resourceVersion | Select-Object -Unique).Count | Should -Be 100 -Because 'each patch is a change of its own'
        Wait-Served -Path '/burst/x' -Body 'gamma GET /x HTTP/1.1'
        # A later change closes the count: the watch delivers in order, so every sync owed to the
        # burst is logged before the one that adds the sentinel.
        $sentinelMark = Get-Mark
        New-ClusterService $fake (New-FakeKubeService -Name burst-end -Port $port.alpha)
        $end = Wait-Entry -From $sentinelMark -Kind event -Filter { '_/burst-end/' -in @($_.event.Added) } -Because 'the sentinel''s sync'
        $syncs = @(Get-WatcherEntry $watcher -From $mark -Kind event | Where-Object { '_/burst-end/' -notin @($_.event.Added) })
        $reloads = @($syncs | Where-Object { $_.event.Reloaded })
        # The bar is the issue's: at most 5 reloads per 100 changes. Changes that arrive together are
        # one debounce window (a window ends after 50 ms of quiet, or 1 s after its first change); a
        # sync's own work lets the next ones gather. Without the debounce each change is a sync.
        $why = "100 changes made $($syncs.Count) syncs and $($reloads.Count) reloads"
        Write-Host "    $why"
        $reloads.Count | Should -BeGreaterOrEqual 1
        $reloads.Count | Should -BeLessOrEqual 5 -Because $why
        $syncs.Count | Should -BeLessOrEqual 5 -Because $why
        @($syncs | Where-Object { $_.event.Error }) | Should -BeNullOrEmpty
        # The last word is the cluster's: the final port, in the file and in the traffic.
        $syncs[-1].event.Changed | Should -BeTrue
        $conf = Get-Content -LiteralPath $server.ConfPath -Raw
        $conf | Should -Match ([regex]::Escape("proxy_pass http://127.0.0.1:$($port.gamma)/;"))
        (Get-Served -Port $server.Port -Path '/burst/x').Body | Should -BeExactly 'gamma GET /x HTTP/1.1'
        # The sentinel goes again. Its route is served first, so the 404 below is its removal's, not a
        # reload still on its way.
        Wait-Served -Path '/burst-end/x' -Body 'alpha GET /x HTTP/1.1'
        $removedMark = Get-Mark
        Remove-ClusterService $fake -Name burst-end
        $null = Wait-Entry -From $removedMark -Kind event -Filter { '_/burst-end/' -in @($_.event.Removed) } -Because 'the sentinel''s removal'
        Wait-NotFound -Path '/burst-end/x'
        Get-Content -LiteralPath $server.ConfPath -Raw | Should -Not -Match ([regex]::Escape("127.0.0.1:$($port.alpha)/"))
    }

    It 'refuses a hostile route with an error and keeps serving the others' {
        $mark = Get-Mark
        $hostile = '/evil; } server { listen 18099; location /pwned/ {'
        New-ClusterService $fake (New-FakeKubeService -Name hostile -Port $port.alpha -Annotations @{ 'nginxkit.io/path' = $hostile })
        $refusal = Wait-Entry -From $mark -Kind error -Filter { $_.message -match 'default/hostile' } -Because 'the refusal'
        $refusal.id | Should -BeLike 'InvalidRoutePath*'
        $sync = Wait-Entry -From $mark -Kind event -Filter { $_.event.Refused -ge 1 } -Because 'the sync that refused it'
        $sync.event.Changed | Should -BeFalse
        $sync.event.Reloaded | Should -BeFalse
        $sync.event.Routes | Should -Be 2
        Get-Content -LiteralPath $server.ConfPath -Raw | Should -Not -Match 'evil|pwned|18099'
        (Get-Served -Port $server.Port -Path '/stable/x').Body | Should -BeExactly 'stable GET /x HTTP/1.1'
        (Get-Served -Port $server.Port -Path '/burst/x').Body | Should -BeExactly 'gamma GET /x HTTP/1.1'
        (Get-Served -Port $server.Port -Path '/pwned/').StatusCode | Should -Be 404

        # While it stands, later syncs do not repeat the error; once it goes, the rest goes on serving.
        New-ClusterService $fake (New-FakeKubeService -Name later -Port $port.beta)
        Wait-Served -Path '/later/x' -Body 'beta GET /x HTTP/1.1'
        @(Get-WatcherEntry $watcher -From $mark -Kind error | Where-Object { $_.message -match 'default/hostile' }).Count | Should -Be 1
        Remove-ClusterService $fake -Name hostile
        Remove-ClusterService $fake -Name later
        Wait-NotFound -Path '/later/x'
        $null = Wait-Entry -From $mark -Kind event -Filter { '_/later/' -in @($_.event.Removed) } -Because 'the sync that removed it'
    }

    It 'never writes or reloads a config that nginx -t rejects; the last good one keeps serving' {
        $good = [IO.File]::ReadAllBytes($server.ConfPath)
        $goodTime = (Get-Item -LiteralPath $server.ConfPath).LastWriteTimeUtc
        $mark = Get-Mark
        # Passes the allow-lists (a DNS name), but nginx -t resolves proxy_pass hosts and this one does not resolve.
        New-ClusterService $fake (New-FakeKubeService -Name unresolvable -Port 80 -ClusterIP 'nginxkit-unresolvable.invalid')
        $sync = Wait-Entry -From $mark -Kind event -Filter { $_.event.Error } -Because 'the rejected sync'
        $sync.event.Error | Should -Match 'nginx -t rejected'
        $sync.event.Error | Should -Match 'nginxkit-unresolvable\.invalid'
        $sync.event.Changed | Should -BeTrue
        $sync.event.Written | Should -BeFalse
        $sync.event.Reloaded | Should -BeFalse
        [IO.File]::ReadAllBytes($server.ConfPath) | Should -Be $good
        (Get-Item -LiteralPath $server.ConfPath).LastWriteTimeUtc | Should -Be $goodTime
        (Get-Served -Port $server.Port -Path '/stable/x').Body | Should -BeExactly 'stable GET /x HTTP/1.1'
        (Get-Served -Port $server.Port -Path '/burst/x').Body | Should -BeExactly 'gamma GET /x HTTP/1.1'

        # Once the bad Service is gone, the next change is served again.
        Remove-ClusterService $fake -Name unresolvable
        New-ClusterService $fake (New-FakeKubeService -Name healed -Port $port.alpha)
        Wait-Served -Path '/healed/x' -Body 'alpha GET /x HTTP/1.1'
        Get-Content -LiteralPath $server.ConfPath -Raw | Should -Not -Match 'unresolvable'
    }

    It 'lists again after a 410 Gone and converges' {
        # The watcher's resourceVersion must be older than the compaction: bump it with an object it does
        # not watch, compact, and end the watch. A bookmark (every 1 s) can slip in between; then retry.
        $gone = $null
        for ($try = 1; $try -le 4 -and -not $gone; $try++) {
            $mark = Get-Mark
            $null = Invoke-KubeApi -Server $fake -Method POST -Path /api/v1/namespaces/default/configmaps -Body @{
                apiVersion = 'v1'; kind = 'ConfigMap'; metadata = @{ name = "bump-$try" }; data = @{ x = "$try" } }
            $null = Invoke-FakeKubeCompaction -Server $fake
            $null = Close-FakeKubeWatch -Server $fake
            $gone = try {
                Wait-Entry -From $mark -Kind warning -Filter { $_.message -match '410' } -Because 'the 410 warning' -TimeoutSec 10
            } catch { $null }
        }
        $gone | Should -Not -BeNullOrEmpty -Because 'a watch resumed from a compacted resourceVersion gets 410 Gone'
        $gone.message | Should -Match 'listing Services again|Watching Services failed'
        $relist = Wait-Entry -From $mark -Kind event -Filter { $_.event.Trigger -eq 'list' } -Because 'the sync after the relist'
        $relist.event.Error | Should -BeNullOrEmpty
        $relist.event.Routes | Should -Be 3

        # The new watch is live: a change after the relist is served.
        New-ClusterService $fake (New-FakeKubeService -Name after-relist -Port $port.beta)
        Wait-Served -Path '/after-relist/x' -Body 'beta GET /x HTTP/1.1'
    }

    It 'converges on a restarted API server''s state' {
        $mark = Get-Mark
        $fake.Process.Kill($true)
        $null = $fake.Process.WaitForExit(5000)
        $fake.Process.Dispose()
        $null = Wait-Entry -From $mark -Kind warning -Filter { $_.message -match 'failed' } -Because 'the watcher to notice the server is gone'
        # Meanwhile nginx keeps serving the last config.
        (Get-Served -Port $server.Port -Path '/burst/x').Body | Should -BeExactly 'gamma GET /x HTTP/1.1'

        # A new server on the same address, with a different cluster: stable stays, reborn is new, the rest is gone.
        # The same object, so AfterAll stops the new process.
        $restarted = Start-FakeKubeApi -Port $fakePort
        $fake.Process = $restarted.Process
        Remove-Item -LiteralPath $restarted.Directory -Recurse -Force # the watcher keeps the first kubeconfig
        New-ClusterService $fake (New-FakeKubeService -Name stable -Port $port.stable)
        New-ClusterService $fake (New-FakeKubeService -Name reborn -Port $port.gamma)
        Wait-Served -Path '/reborn/x' -Body 'gamma GET /x HTTP/1.1'
        Wait-NotFound -Path '/burst/x'
        Wait-NotFound -Path '/after-relist/x'
        (Get-Served -Port $server.Port -Path '/stable/x').Body | Should -BeExactly 'stable GET /x HTTP/1.1'
        $conf = Get-Content -LiteralPath $server.ConfPath -Raw
        [regex]::Matches($conf, '(?m)^\s*location\s+/').Count | Should -Be 2
        $relist = Get-WatcherEntry $watcher -From $mark -Kind event | Where-Object { $_.event.Trigger -eq 'list' }
        $relist | Should -Not -BeNullOrEmpty
    }

    It 'exits promptly with code 0 on SIGTERM and leaves no temp files behind' {
        $watcher.Process.HasExited | Should -BeFalse
        $kill = (Get-Command kill -CommandType Application | Select-Object -First 1).Source
        & $kill -TERM $watcher.Process.Id
        # Promptly: well before the 30 s a service manager gives before SIGKILL.
        $exited = $watcher.Process.WaitForExit(30000)
        $exited | Should -BeTrue -Because "the watcher must stop on SIGTERM`n$((Get-WatcherDiagnostics $watcher $server) -join "`n")"
        $watcher.Process.WaitForExit()
        $watcher.Process.ExitCode | Should -Be 0 -Because $watcher.StdErr.GetAwaiter().GetResult()
        (Get-WatcherLog $watcher)[-1].kind | Should -Be 'end'
        @(Get-WatcherEntry $watcher -Kind error) | Where-Object { $_.message -notmatch 'default/hostile' } | Should -BeNullOrEmpty
        # No temp file next to the config, and nothing left in the watcher's TMPDIR (nginx -t prefixes).
        @(Get-ChildItem -LiteralPath (Split-Path $server.ConfPath) -Force | Where-Object Name -NotIn 'default.conf', 'default.conf.bak').Name |
            Should -BeNullOrEmpty
        @(Get-ChildItem -LiteralPath $watcher.TempDir -Force).Name | Should -BeNullOrEmpty
        # nginx outlives its sidecar, still on the last config.
        (Get-Served -Port $server.Port -Path '/reborn/x').Body | Should -BeExactly 'gamma GET /x HTTP/1.1'
    }
}

Describe 'Sync-NginxConf -Watch leaves a path to its oldest claim' -Tag 'Kubernetes', 'Nginx', 'Real' -Skip:(-not $nginx) {
    BeforeAll {
        $dir = New-TestDirectory
        $backends = @(Start-EchoBackend -Name holder, newcomer, runnerup, other)
        $port = @{}
        foreach ($b in $backends) { $port[$b.Name] = $b.Port }
        $fake = Start-FakeKubeApi
        # prod/web has held /web since 2020. Seeded objects keep the creationTimestamp they are given.
        $null = Add-FakeKubeObject -Server $fake -Object (New-FakeKubeService -Name web -Namespace prod -Port $port.holder -Created '2020-06-01T00:00:00Z' `
                -Annotations @{ 'nginxkit.io/path' = '/web' })

        $synced = Start-SyncedNginx -Fake $fake -Directory $dir -NginxPath $nginxPath
        $server, $watcher = $synced.Server, $synced.Watcher
        $listenPort = $server.Port
        $diagnostics = { Get-WatcherDiagnostics $watcher $server }
        function Get-ConflictEvent([string] $Namespace) {
            @((Invoke-KubeApi -Server $fake -Method GET -Path "/api/v1/namespaces/$Namespace/events").items | Where-Object reason -EQ 'PathConflict')
        }
    }

    AfterAll {
        Stop-SyncedNginx $synced
        Stop-FakeKubeApi $fake
        if ($backends) { $backends | Stop-EchoBackend }
        if ($dir) { Remove-Item -LiteralPath $dir -Recurse -Force -ErrorAction Ignore }
    }

    It 'keeps serving the holder before, during and after a newer Service in a namespace that sorts first claims its path, and tells the newcomer why' {
        Wait-Served -Path '/web/x' -Body 'holder GET /x HTTP/1.1'
        $null = Wait-Entry -From 0 -Kind event -Because 'the first sync'
        $mark = Get-Mark
        # Requests run all along, from before the newcomer until after the sync that refused it.
        $stop = Join-Path $dir 'stop-probe'
        $probe = Start-ThreadJob -ScriptBlock {
            Import-Module (Join-Path $using:PSScriptRoot 'NginxHarness.psm1')
            while (-not (Test-Path -LiteralPath $using:stop)) {
                $r = try { Invoke-RawHttp -Port $using:listenPort -Path '/web/x' -TimeoutSec 5 } catch { $null }
                if ($r) { "$($r.StatusCode) $($r.Body)" } else { 'no answer' }
            }
        }
        try {
            Wait-Until -Because 'the probe to run before the newcomer' -Condition { $probe.Output.Count -ge 5 }
            # aaa-scratch sorts before prod: a namespace order alone would hand it the path.
            $newcomer = Add-FakeKubeObject -Server $fake -Object (New-FakeKubeService -Name web -Namespace aaa-scratch -Port $port.newcomer `
                    -Created '2026-01-05T00:00:00Z' -Annotations @{ 'nginxkit.io/path' = '/web/' })
            $refusal = Wait-Entry -From $mark -Kind error -Filter { $_.message -match 'aaa-scratch/web' } -Because 'the refusal'
            $null = Wait-Entry -From $mark -Kind event -Filter { $_.event.Refused -ge 1 } -Because 'the sync that refused it'
            $event = Wait-Until -Because 'the PathConflict Event' -Diagnostics $diagnostics -Condition { Get-ConflictEvent aaa-scratch }
            $during = $probe.Output.Count
            Wait-Until -Because 'the probe to run after the refusal' -Condition { $probe.Output.Count -ge $during + 5 }
        } finally {
            Set-Content -LiteralPath $stop -Value 'stop'
            # Receive, then remove: -AutoRemoveJob can race a thread job's own removal.
            $answers = @($probe | Receive-Job -Wait)
            $probe | Remove-Job -Force -ErrorAction Ignore
        }
        $answers.Count | Should -BeGreaterOrEqual 10
        $answers | Sort-Object -Unique | Should -Be '200 holder GET /x HTTP/1.1' -Because 'no request may reach the newcomer, or find nothing'

        $refusal.id | Should -BeLike 'DuplicateRoutePath,*'
        $refusal.message | Should -Match ([regex]::Escape('is held by route ''/web'' -> 127.0.0.1:'))
        $refusal.message | Should -Match ([regex]::Escape('(prod/web), created 2020-06-01T00:00:00Z, before 2026-01-05T00:00:00Z'))
        Get-Content -LiteralPath $server.ConfPath -Raw | Should -Not -Match ":$($port.newcomer)/"

        $e = @($event)
        $e.Count | Should -Be 1
        $e[0].type | Should -Be 'Warning'
        $e[0].involvedObject.kind | Should -Be 'Service'
        $e[0].involvedObject.name | Should -Be 'web'
        $e[0].involvedObject.uid | Should -Be $newcomer[0].metadata.uid
        $e[0].message | Should -Match 'location /web/ on server _ is held by Service prod/web, created 2020-06-01T00:00:00Z'
        $e[0].source.component | Should -Be 'nginxkit'

        # While the conflict stands, later syncs neither repeat the error nor record another Event.
        New-ClusterService $fake (New-FakeKubeService -Name other -Port $port.other)
        Wait-Served -Path '/other/x' -Body 'other GET /x HTTP/1.1'
        @(Get-WatcherEntry $watcher -From $mark -Kind error | Where-Object { $_.message -match 'aaa-scratch/web' }).Count | Should -Be 1
        @(Get-ConflictEvent aaa-scratch).Count | Should -Be 1
    }

    It 'hands the path to the next oldest claim when the holder is deleted, not to the namespace that sorts first' {
        $mark = Get-Mark
        $null = Add-FakeKubeObject -Server $fake -Object (New-FakeKubeService -Name web -Namespace b-team -Port $port.runnerup `
                -Created '2024-03-01T00:00:00Z' -Annotations @{ 'nginxkit.io/path' = '/Web' })
        $null = Wait-Entry -From $mark -Kind error -Filter { $_.message -match 'b-team/web' } -Because 'the runner-up''s refusal'
        Wait-Until -Because 'the runner-up''s Event' -Diagnostics $diagnostics -Condition { Get-ConflictEvent b-team }
        (Get-Served -Port $server.Port -Path '/web/x').Body | Should -BeExactly 'holder GET /x HTTP/1.1'

        Remove-ClusterService $fake -Name web -Namespace prod
        # b-team (2024) is older than aaa-scratch (2026): it takes /web, in the case it asked for.
        Wait-Served -Path '/Web/x' -Body 'runnerup GET /x HTTP/1.1'
        Wait-NotFound -Path '/web/x'
        Get-Content -LiteralPath $server.ConfPath -Raw | Should -Not -Match ":$($port.newcomer)/"

        Remove-ClusterService $fake -Name web -Namespace b-team
        Wait-Served -Path '/web/x' -Body 'newcomer GET /x HTTP/1.1'
    }
}

Describe 'Sync-NginxConf -Watch on a list of namespaces needs only a Role in each' -Tag 'Kubernetes', 'Nginx', 'Real' -Skip:(-not $nginx) {
    BeforeAll {
        $dir = New-TestDirectory
        $backends = @(Start-EchoBackend -Name shop, apps, outside, late)
        $port = @{}
        foreach ($b in $backends) { $port[$b.Name] = $b.Port }
        $fake = Start-FakeKubeApi
        $null = Add-FakeKubeObject -Server $fake -Object @(
            foreach ($ns in 'shop', 'apps', 'other') { @{ apiVersion = 'v1'; kind = 'Namespace'; metadata = @{ name = $ns } } }
            New-FakeKubeService -Name web -Namespace shop -Port $port.shop -Annotations @{ 'nginxkit.io/path' = '/web' } -Created '2021-01-01T00:00:00Z'
            New-FakeKubeService -Name api -Namespace apps -Port $port.apps
            New-FakeKubeService -Name admin -Namespace other -Port $port.outside
        )
        # The entry's own RBAC, as New-NginxKitManifest makes it for two namespaces, and a token for its ServiceAccount.
        $null = New-NginxKitManifest -WatchNamespace shop, apps -NodePort 30080 | Deploy-NginxKit -KubeConfig $fake.KubeConfig -ErrorAction Stop
        $token = New-FakeKubeServiceAccountToken -Server $fake -Namespace nginx-entry -Name nginx-entry
        $entryConfig = New-FakeKubeConfig -Path (Join-Path $dir 'entry.kubeconfig') -Url $fake.Url -Token $token
        $entryUser = 'system:serviceaccount:nginx-entry:nginx-entry'

        Clear-FakeKubeRequest -Server $fake
        $synced = Start-SyncedNginx -Fake $fake -Directory $dir -NginxPath $nginxPath -KubeConfig $entryConfig -Namespace shop, apps `
            -Watcher @{ KubeConfig = $entryConfig; Parameters = @{ Namespace = @('shop', 'apps') } }
        $server, $watcher = $synced.Server, $synced.Watcher
        $diagnostics = { Get-WatcherDiagnostics $watcher $server }
    }

    AfterAll {
        Stop-SyncedNginx $synced
        Stop-FakeKubeApi $fake
        if ($backends) { $backends | Stop-EchoBackend }
        if ($dir) { Remove-Item -LiteralPath $dir -Recurse -Force -ErrorAction Ignore }
    }

    It 'serves the listed namespaces, follows each one''s watch, and never asks outside them' {
        Wait-Served -Path '/web/x' -Body 'shop GET /x HTTP/1.1'
        Wait-Served -Path '/api/x' -Body 'apps GET /x HTTP/1.1'
        Wait-Until -Because 'a watch on each namespace' -Diagnostics $diagnostics -Condition {
            $open = Get-FakeKubeRequest -Server $fake | Where-Object { $_.watch -and $_.status -eq 200 }
            ($open.path -contains '/api/v1/namespaces/shop/services') -and ($open.path -contains '/api/v1/namespaces/apps/services')
        }
        New-ClusterService $fake (New-FakeKubeService -Name admin2 -Namespace other -Port $port.outside)
        New-ClusterService $fake (New-FakeKubeService -Name late -Namespace apps -Port $port.late)
        Wait-Served -Path '/late/x' -Body 'late GET /x HTTP/1.1'
        (Get-Served -Port $server.Port -Path '/admin/x').StatusCode | Should -Be 404
        (Get-Served -Port $server.Port -Path '/admin2/x').StatusCode | Should -Be 404
        Get-Content -LiteralPath $server.ConfPath -Raw | Should -Not -Match "other/|:$($port.outside)/"

        $requests = @(Get-FakeKubeRequest -Server $fake -ExcludeDiscovery | Where-Object user -EQ $entryUser)
        $requests.Count | Should -BeGreaterOrEqual 4
        $requests | ForEach-Object {
            $_.path | Should -Match '^/api/v1/namespaces/(shop|apps)/(services|events)$' -Because 'the scope is shop and apps only'
            $_.status | Should -Not -Be 403
        }
        @(Get-FakeKubeRequest -Server $fake | Where-Object { $_.user -ne $entryUser -and -not $_.discovery -and $_.method -eq 'GET' -and $_.path -like '*/services' }) |
            Should -BeNullOrEmpty -Because 'every read of Services is the ServiceAccount''s'
    }

    It 'records the PathConflict Event with the Role alone' {
        $mark = Get-Mark
        $null = Add-FakeKubeObject -Server $fake -Object (New-FakeKubeService -Name shadow -Namespace apps -Port $port.late -Annotations @{ 'nginxkit.io/path' = '/web' })
        $null = Wait-Entry -From $mark -Kind error -Filter { $_.message -match 'apps/shadow' } -Because 'the refusal'
        $posted = Wait-Until -Because 'the Event''s create' -Diagnostics $diagnostics -Condition {
            Get-FakeKubeRequest -Server $fake -Method POST -Path /api/v1/namespaces/apps/events | Where-Object status -GT 0
        }
        @($posted).user | Should -Be $entryUser
        @($posted).status | Should -Be 201
        $events = @((Invoke-KubeApi -Server $fake -Method GET -Path '/api/v1/namespaces/apps/events').items)
        $events.reason | Should -Be 'PathConflict'
        $events.involvedObject.name | Should -Be 'shadow'
        @(Get-WatcherEntry $watcher -From $mark -Kind warning | Where-Object message -Match 'PathConflict') | Should -BeNullOrEmpty
        (Get-Served -Port $server.Port -Path '/web/x').Body | Should -BeExactly 'shop GET /x HTTP/1.1'
    }

    It 'is forbidden to read every namespace with those Roles, so without -Namespace nothing is written' {
        $out = Join-Path $dir 'cluster-wide/default.conf'
        $thrown = $null
        try { Sync-NginxConf -Once -OutFile $out -KubeConfig $entryConfig -Listen 127.0.0.1:18080 -SkipNginxTest -ErrorAction Stop } catch { $thrown = $_ }
        $thrown.FullyQualifiedErrorId | Should -BeLike 'KubeForbidden,*'
        "$thrown" | Should -Match 'cannot list resource "services" in API group "" at the cluster scope'
        Test-Path -LiteralPath (Split-Path $out) | Should -BeFalse
    }
}

Describe 'Sync-NginxConf proxies a Service port that speaks TLS over https' -Tag 'Kubernetes', 'Nginx', 'Real' -Skip:(-not $nginx) {
    BeforeAll {
        $dir = New-TestDirectory
        $tlsBackend = Start-EchoBackend -Name secure -Tls
        $fake = Start-FakeKubeApi
        $https = @{ name = 'https'; port = $tlsBackend.Port; targetPort = 8443 }
        $null = Add-FakeKubeObject -Server $fake -Object @(
            New-FakeKubeService -Name secure -Ports @($https)
            # The annotation overrides the port both ways.
            New-FakeKubeService -Name forced-plain -Ports @($https) -Annotations @{ 'nginxkit.io/expose' = 'true'; 'nginxkit.io/backend-protocol' = 'http' }
            New-FakeKubeService -Name forced-tls -Ports @(@{ name = 'web'; port = $tlsBackend.Port; targetPort = 8443 }) -Annotations @{ 'nginxkit.io/expose' = 'true'; 'nginxkit.io/backend-protocol' = 'https' }
            New-FakeKubeService -Name grpc -Ports @($https) -Annotations @{ 'nginxkit.io/expose' = 'true'; 'nginxkit.io/backend-protocol' = 'grpc' }
        )
        $listenPort = Get-FreeTcpPort
        $conf = Join-Path $dir 'default.conf'
        $result = Sync-NginxConf -Once -OutFile $conf -KubeConfig $fake.KubeConfig -Listen "127.0.0.1:$listenPort" -NginxPath $nginxPath `
            -ErrorVariable refused -ErrorAction SilentlyContinue
        $server = Start-NginxServer -Config (Get-Content -LiteralPath $conf -Raw) -NginxPath $nginxPath
    }

    AfterAll {
        if ($server) { Stop-NginxServer $server }
        Stop-FakeKubeApi $fake
        if ($tlsBackend) { $tlsBackend | Stop-EchoBackend }
        if ($dir) { Remove-Item -LiteralPath $dir -Recurse -Force -ErrorAction Ignore }
    }

    It 'reaches a port named https over TLS, and follows nginxkit.io/backend-protocol either way' {
        $result.Routes | Should -Be 3
        $text = Get-Content -LiteralPath $conf -Raw
        $text | Should -Match ([regex]::Escape("location /secure/ {`n        proxy_pass https://127.0.0.1:$($tlsBackend.Port)/;`n        proxy_ssl_server_name on;"))
        $text | Should -Match ([regex]::Escape("location /forced-plain/ {`n        proxy_pass http://127.0.0.1:$($tlsBackend.Port)/;"))

        $secure = Invoke-RawHttp -Port $server.Port -Path '/secure/x'
        $secure.StatusCode | Should -Be 200
        $secure.Body | Should -BeExactly 'secure GET /x HTTP/1.1'
        $secure.Headers['X-Echo-Tls'] | Should -Match '^Tls1[23]$'
        $forced = Invoke-RawHttp -Port $server.Port -Path '/forced-tls/x'
        $forced.StatusCode | Should -Be 200
        $forced.Headers['X-Echo-Tls'] | Should -Match '^Tls1[23]$'
        # Plain HTTP to a TLS port gets no answer from it: nginx fails the request (its 502 page is
        # missing here, so the client sees 404) and logs the upstream that hung up.
        $plain = Invoke-RawHttp -Port $server.Port -Path '/forced-plain/x'
        $plain.StatusCode | Should -Not -Be 200
        $plain.Body | Should -Not -Match 'secure GET'
        Get-Content -LiteralPath (Join-Path $server.Prefix 'error.log') -Raw |
            Should -Match ([regex]::Escape("request: `"GET /forced-plain/x HTTP/1.1`", upstream: `"http://127.0.0.1:$($tlsBackend.Port)/x`""))
    }

    It 'refuses any other backend protocol with an error naming the Service' {
        $refused.Count | Should -Be 1
        $refused[0].FullyQualifiedErrorId | Should -BeLike 'InvalidBackendProtocol,*'
        $refused[0].TargetObject | Should -Be 'default/grpc'
        (Get-Content -LiteralPath $conf -Raw) | Should -Not -Match '/grpc/'
    }

    It 'sends the backend''s name by SNI when the backend is a name' {
        $route = [NginxKit.NginxRoute]@{ Path = '/named'; Backend = 'localhost'; Port = $tlsBackend.Port; BackendProtocol = 'https' }
        $null = $route | New-NginxConf -Listen "127.0.0.1:$listenPort" -OutFile $server.ConfPath -ErrorAction Stop
        Update-NginxServer -Server $server
        $named = Invoke-RawHttp -Port $server.Port -Path '/named/x'
        $named.StatusCode | Should -Be 200
        $named.Headers['X-Echo-Sni'] | Should -Be 'localhost'
    }
}

Describe 'Sync-NginxConf -Watch stops on Ctrl+C, and refuses conflicting switches' -Tag 'Kubernetes', 'Nginx', 'Real' -Skip:(-not $nginx) {
    BeforeAll {
        $cluster = Start-WebCluster -ClusterIP 10.96.60.1
        $fake, $dir = $cluster.Fake, $cluster.Dir
    }

    AfterAll { Stop-WebCluster $cluster }

    It 'a pipeline stop (Ctrl+C) ends the watch promptly, after the first sync wrote the file' {
        $out = Join-Path $dir 'ctrl-c/default.conf'
        $ps = (Start-WatchToFirstWrite -OutFile $out -KubeConfig $fake.KubeConfig -Parameters @{ NginxPath = $nginxPath }).PowerShell
        try {
            $stopping = $ps.BeginStop($null, $null)
            $stopping.AsyncWaitHandle.WaitOne(30000) | Should -BeTrue -Because 'the watch must end on a pipeline stop'
            $ps.EndStop($stopping)
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
            Get-Content -LiteralPath $out -Raw | Should -Match ([regex]::Escape('proxy_pass http://10.96.60.1:8080/;'))
            @(Get-ChildItem -LiteralPath (Split-Path $out) -Force).Name | Should -Be @('default.conf')
        } finally {
            $ps.Dispose()
        }
    }

    It '<Case> is refused before anything is read or written' -ForEach @(
        @{ Case = '-Watch -WhatIf'; Extra = @{ WhatIf = $true }; ErrorId = 'WhatIfNeedsOnce' }
        @{ Case = 'two reload methods'; Extra = @{ ReloadNginx = $true; ReloadCommand = @('true') }; ErrorId = 'ConflictingReload' }
        @{ Case = 'a -Selector that is no label selector'; Extra = @{ Selector = 'app in api' }; ErrorId = 'InvalidSelector' }
    ) {
        $out = Join-Path $dir "refused-$($ErrorId)/default.conf"
        Clear-FakeKubeRequest -Server $fake
        $thrown = $null
        try { Sync-NginxConf -Watch -OutFile $out -KubeConfig $fake.KubeConfig @Extra -ErrorAction Stop } catch { $thrown = $_ }
        $thrown | Should -Not -BeNullOrEmpty
        $thrown.FullyQualifiedErrorId | Should -BeLike "$ErrorId,*"
        Test-Path -LiteralPath (Split-Path $out) | Should -BeFalse
        Get-FakeKubeRequest -Server $fake -ExcludeDiscovery | Should -BeNullOrEmpty
    }
}

Describe 'Sync-NginxConf -Watch over TLS' -Tag 'Kubernetes' {
    BeforeAll {
        # As in a cluster whose API server wants a client certificate, with the watch on HTTP/2.
        $cluster = Start-WebCluster -ClusterIP 10.96.61.1 -Tls
        $tls, $dir = $cluster.Fake, $cluster.Dir
    }
    AfterAll { Stop-WebCluster $cluster }

    It 'follows a Service created after the first sync, over a watch the client certificate opened' {
        $out = Join-Path $dir 'tls/default.conf'
        $watch = Start-WatchToFirstWrite -OutFile $out -KubeConfig $tls.KubeConfig -Parameters @{ SkipNginxTest = $true; DebounceMs = 20 }
        $ps = $watch.PowerShell
        $events = $watch.Events
        try {
            Wait-Until -TimeoutSec 30 -Because 'the watch to open' -Condition {
                Get-FakeKubeRequest -Server $tls -Path /api/v1/services | Where-Object { $_.watch -and $_.status -eq 200 }
            }
            $null = Add-FakeKubeObject -Server $tls -Object (New-FakeKubeService -Name late -ClusterIP 10.96.61.2 -Port 9090)
            Wait-Until -TimeoutSec 30 -Because 'the watch to bring the new Service' -Condition {
                (Get-Content -LiteralPath $out -Raw) -match [regex]::Escape('proxy_pass http://10.96.61.2:9090/;')
            }
            # The SyncEvent follows the write and the reload: wait for it too before stopping.
            Wait-Until -TimeoutSec 30 -Because 'the sync''s event' -Condition { $events.Count -ge 2 }
            $ps.Stop()
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
            $ps.Streams.Error | Should -BeNullOrEmpty
            $events.Count | Should -BeGreaterOrEqual 2
            $events[-1].Routes | Should -Be 2
            $events[-1].Trigger | Should -Be 'Added' -Because 'the change came through the watch, not a new list'
        } finally {
            $ps.Dispose()
        }
        $watch = Get-FakeKubeRequest -Server $tls -Path /api/v1/services | Where-Object watch | Select-Object -First 1
        $watch.protocol | Should -Be 'HTTP/2'
        $watch.user | Should -Be 'kubernetes-admin'
    }
}
