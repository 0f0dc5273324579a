<#
    nginxkit-sync, the entry's generator without PowerShell (out/nginxkit-sync/nginxkit-sync, which
    build.ps1 Build makes), run as a process against the fake kube-apiserver and the real nginx -t:
    its command line, its exit codes (0 when a config is in place, 1 when none could be written,
    2 for a bad command line), its log lines, and that it writes what Sync-NginxConf writes.

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
    $sync = Join-Path (Get-RepoRoot) 'out/nginxkit-sync/nginxkit-sync'
    if (-not (Test-Path -LiteralPath $sync)) { throw "$sync is missing: build.ps1 Build makes it." }
    $nginxPath = Find-RealTool -Name nginx

    # One run to its end: ExitCode, the JSON lines of stdout and stderr, and the raw text.
    function Invoke-Sync([string[]] $Arguments, [hashtable] $Environment = @{}, [int] $TimeoutSec = 60) {
        $psi = [Diagnostics.ProcessStartInfo]::new($sync)
        foreach ($a in $Arguments) { $psi.ArgumentList.Add($a) }
        foreach ($k in $Environment.Keys) { $psi.Environment[$k] = $Environment[$k] }
        $psi.RedirectStandardOutput = $true
        $psi.RedirectStandardError = $true
        $psi.UseShellExecute = $false
        $p = [Diagnostics.Process]::Start($psi)
        try {
            $out = $p.StandardOutput.ReadToEndAsync()
            $err = $p.StandardError.ReadToEndAsync()
            if (-not $p.WaitForExit($TimeoutSec * 1000)) { $p.Kill(); throw "nginxkit-sync $Arguments did not end within $TimeoutSec s" }
            $p.WaitForExit()
            $stdout = $out.GetAwaiter().GetResult()
            $stderr = $err.GetAwaiter().GetResult()
            [pscustomobject]@{
                ExitCode = $p.ExitCode
                StdOut   = $stdout
                StdErr   = $stderr
                Events   = @($stdout -split "`n" | Where-Object { $_ -like '{*' } | ForEach-Object { $_ | ConvertFrom-Json -Depth 16 })
                Messages = @($stderr -split "`n" | Where-Object { $_ -like '{*' } | ForEach-Object { $_ | ConvertFrom-Json -Depth 16 })
            }
        } finally { $p.Dispose() }
    }

    function New-TestService([string] $Name, [int] $Port = 8080, [hashtable] $Annotations = @{}, [string] $Namespace = 'default') {
        New-FakeKubeService -Name $Name -Port $Port -Annotations $Annotations -Namespace $Namespace
    }
}

Describe 'nginxkit-sync''s command line' -Tag 'Kubernetes' {
    It 'refuses <Case> with exit code 2 and a message naming it, before anything is read' -ForEach @(
        @{ Case = 'no command'; Arguments = @('--out-file', '/tmp/x.conf'); Message = 'give a command: once or watch' }
        @{ Case = 'an unknown command'; Arguments = @('sync', '--out-file', '/tmp/x.conf'); Message = "unknown command 'sync'" }
        @{ Case = 'an unknown flag'; Arguments = @('once', '--out-file', '/tmp/x.conf', '--outfile', 'y'); Message = "unknown flag '--outfile'" }
        @{ Case = 'a flag without its value'; Arguments = @('once', '--out-file'); Message = '--out-file needs a value' }
        @{ Case = 'no --out-file'; Arguments = @('once'); Message = '--out-file is required' }
        @{ Case = 'a flag given twice'; Arguments = @('once', '--out-file', 'a', '--out-file', 'b'); Message = '--out-file is given twice' }
        @{ Case = 'a value for a switch'; Arguments = @('once', '--out-file', 'a', '--expose-all=yes'); Message = '--expose-all takes no value' }
        @{ Case = 'a reload option with once (ReloadNeedsWatch)'; Arguments = @('once', '--out-file', 'a', '--reload-pid-file', '/run/nginx/nginx.pid'); Message = 'need watch' }
        @{ Case = 'two reload options (ConflictingReload)'; Arguments = @('watch', '--out-file', 'a', '--reload-pid-file', 'p', '--reload-command', 'nginx -s reload'); Message = 'give one of --reload-pid-file and --reload-command' }
        @{ Case = 'a listen value nginx would not take'; Arguments = @('once', '--out-file', 'a', '--listen', '80;evil'); Message = "Listen '80;evil' is not valid" }
        @{ Case = 'a namespace that is not a name'; Arguments = @('once', '--out-file', 'a', '--namespace', 'ok,Not_OK'); Message = "InvalidNamespace: --namespace 'Not_OK' is not a namespace name" }
        @{ Case = 'a timeout that is no number'; Arguments = @('once', '--out-file', 'a', '--proxy-read-timeout', '30s'); Message = "--proxy-read-timeout '30s' is not a whole number" }
        @{ Case = 'a timeout out of range (InvalidTimeout)'; Arguments = @('once', '--out-file', 'a', '--proxy-connect-timeout', '0'); Message = 'InvalidTimeout: --proxy-connect-timeout must be between 1 and 86400 seconds' }
        @{ Case = 'a send timeout out of range (InvalidTimeout)'; Arguments = @('once', '--out-file', 'a', '--proxy-send-timeout', '86401'); Message = 'InvalidTimeout: --proxy-send-timeout must be between 1 and 86400 seconds' }
        @{ Case = 'a body size nginx would not take (InvalidBodySize)'; Arguments = @('once', '--out-file', 'a', '--client-max-body-size', '50m;'); Message = "InvalidBodySize: --client-max-body-size '50m;' is not valid" }
        @{ Case = 'a certificate without its key (InvalidTlsSetting)'; Arguments = @('once', '--out-file', 'a', '--tls-certificate', '/etc/tls/tls.crt'); Message = 'InvalidTlsSetting: --tls-certificate needs --tls-key' }
        @{ Case = 'a key path nginx cannot be given (InvalidTlsSetting)'; Arguments = @('once', '--out-file', 'a', '--tls-certificate', '/etc/tls/tls.crt', '--tls-key', '/etc/tls/a;b.key'); Message = "InvalidTlsSetting: --tls-key '/etc/tls/a;b.key' is not a path nginx can be given" }
        @{ Case = 'a redirect without TLS (InvalidTlsSetting)'; Arguments = @('once', '--out-file', 'a', '--redirect-http'); Message = 'InvalidTlsSetting: --redirect-http sends plain HTTP to https, which needs --tls-certificate and --tls-key' }
        @{ Case = 'a redirect port that is no port (InvalidTlsSetting)'; Arguments = @('once', '--out-file', 'a', '--tls-certificate', '/t.crt', '--tls-key', '/t.key', '--redirect-http', '--redirect-port', '70000'); Message = 'InvalidTlsSetting: --redirect-port 70000 is not a port' }
        @{ Case = 'a TLS listen value nginx would not take (InvalidListen)'; Arguments = @('once', '--out-file', 'a', '--tls-certificate', '/t.crt', '--tls-key', '/t.key', '--tls-listen', '443 ssl'); Message = "InvalidListen: --tls-listen '443 ssl' is not valid" }
        @{ Case = 'TLS on the plain port (InvalidTlsSetting)'; Arguments = @('once', '--out-file', 'a', '--listen', '8080', '--tls-certificate', '/t.crt', '--tls-key', '/t.key', '--tls-listen', '8080'); Message = "InvalidTlsSetting: --tls-listen '8080' is also a plain --listen address" }
        @{ Case = 'a server name that is not one (InvalidServerName)'; Arguments = @('once', '--out-file', 'a', '--server-name', 'a b'); Message = "InvalidServerName: --server-name 'a b' is not valid" }
        @{ Case = 'a value for the websocket switch'; Arguments = @('once', '--out-file', 'a', '--websocket=true'); Message = '--websocket takes no value' }
        @{ Case = 'an nginx version that is not one'; Arguments = @('once', '--out-file', 'a', '--nginx-version', '1.27.x'); Message = "--nginx-version '1.27.x' is not a version" }
        @{ Case = 'a layout that is not one'; Arguments = @('once', '--out-file', 'a', '--layout', 'grid'); Message = "--layout 'grid' is not a layout: use auto, locations or maps" }
        @{ Case = 'a layout by number'; Arguments = @('watch', '--out-file', 'a', '--layout', '2'); Message = "--layout '2' is not a layout" }
        @{ Case = 'a layout given twice'; Arguments = @('once', '--out-file', 'a', '--layout', 'maps', '--layout=locations'); Message = '--layout is given twice' }
    ) {
        $r = Invoke-Sync $Arguments
        $r.ExitCode | Should -Be 2
        $r.StdOut | Should -BeNullOrEmpty
        $r.StdErr | Should -BeLike "nginxkit-sync: *$Message*"
        $r.StdErr | Should -Match 'nginxkit-sync --help'
    }

    It '--help lists every flag and exits 0' {
        $r = Invoke-Sync @('--help')
        $r.ExitCode | Should -Be 0
        $flags = '--kubeconfig', '--out-file', '--listen', '--namespace', '--expose-all', '--reload-pid-file', '--reload-command', '--skip-nginx-test',
            '--client-max-body-size', '--websocket', '--proxy-redirect', '--proxy-connect-timeout', '--proxy-read-timeout', '--proxy-send-timeout',
            '--not-default-server', '--server-name', '--tls-certificate', '--tls-key', '--tls-listen', '--redirect-http', '--redirect-port', '--nginx-version',
            '--layout'
        foreach ($flag in $flags) {
            $r.StdOut | Should -Match "(?m)^\s+$([regex]::Escape($flag))\b" -Because "--help lists $flag at the start of a line"
        }
    }

    It '--version prints the module''s version' {
        (Invoke-Sync @('--version')).StdOut.Trim() | Should -Be "nginxkit-sync $((Get-Module NginxKit).Version)"
    }
}

Describe 'nginxkit-sync once against the fake API server' -Tag 'Kubernetes', 'Nginx', 'Real' -Skip:(-not $nginx) {
    BeforeAll {
        $fake = Start-FakeKubeApi
        $dir = New-TestDirectory
    }

    AfterAll {
        Stop-FakeKubeApi $fake
        if ($dir) { Remove-Item -LiteralPath $dir -Recurse -Force -ErrorAction Ignore }
    }

    BeforeEach { Reset-FakeKubeApi -Server $fake }

    It 'exits 0 with a bad Service present: the good routes written, one JSON line for the bad one' {
        $null = Add-FakeKubeObject -Server $fake -Object @(
            New-TestService -Name web
            New-TestService -Name broken -Annotations @{ 'nginxkit.io/port' = 'nope' }
            New-TestService -Name clash -Annotations @{ 'nginxkit.io/path' = '/web' })
        $out = Join-Path $dir 'good/default.conf'
        $r = Invoke-Sync @('once', '--out-file', $out, '--kubeconfig', $fake.KubeConfig, '--listen', '127.0.0.1:18080')
        $r.ExitCode | Should -Be 0 -Because $r.StdErr
        $r.Events.Count | Should -Be 1
        $e = $r.Events[0]
        @($e.PSObject.Properties.Name) | Should -Be @('Time', 'Trigger', 'Changed', 'Written', 'Reloaded', 'Validated', 'Hash', 'Routes', 'Refused', 'Added', 'Removed', 'DurationMs', 'Error')
        $e.Trigger | Should -Be 'once'
        $e.Written | Should -BeTrue
        $e.Validated | Should -BeTrue
        $e.Routes | Should -Be 1
        $e.Refused | Should -Be 2
        @($e.Added) | Should -Be @('_/web/')
        @($r.Messages | Where-Object Level -eq 'error' | ForEach-Object ErrorId | Sort-Object) | Should -Be @('DuplicateRoutePath', 'ServicePortNotFound')
        ($r.Messages | Where-Object ErrorId -eq 'ServicePortNotFound').Target | Should -Be 'default/broken'
        "$($r.StdOut)$($r.StdErr)" | Should -Not -Match "`e" -Because 'log lines carry no colour codes'
        Get-Content -LiteralPath $out -Raw | Should -Match 'location /web/ '
    }

    It 'writes exactly what Sync-NginxConf -Once writes for the same cluster' {
        $null = Add-FakeKubeObject -Server $fake -Object @(New-TestService -Name web; New-TestService -Name api -Port 9090 -Namespace apps)
        $a = Join-Path $dir 'same/a.conf'
        $b = Join-Path $dir 'same/b.conf'
        (Invoke-Sync @('once', '--out-file', $a, '--kubeconfig', $fake.KubeConfig, '--listen', '8080')).ExitCode | Should -Be 0
        $event = Sync-NginxConf -Once -OutFile $b -KubeConfig $fake.KubeConfig -Listen 8080 -NginxPath $nginxPath -ErrorAction Stop
        $event.Written | Should -BeTrue
        Get-Content -LiteralPath $a -Raw | Should -BeExactly (Get-Content -LiteralPath $b -Raw)
    }

    It '--layout <Value> renders what Sync-NginxConf -Layout <Layout> renders: <Shape>' -ForEach @(
        @{ Value = 'maps'; Layout = 'Maps'; Shape = 'routes in maps, looked up by location /' }
        @{ Value = 'locations'; Layout = 'Locations'; Shape = 'a location per route' }
        @{ Value = 'Auto'; Layout = 'Auto'; Shape = 'a location per route, for a few routes' }
    ) {
        $null = Add-FakeKubeObject -Server $fake -Object @(
            New-TestService -Name web
            New-TestService -Name api -Port 9090 -Namespace apps
            New-TestService -Name docs -Annotations @{ 'nginxkit.io/path' = '/web/docs' })
        $a = Join-Path $dir "layout-$Value/a.conf"
        $b = Join-Path $dir "layout-$Value/b.conf"
        $r = Invoke-Sync @('once', '--out-file', $a, '--kubeconfig', $fake.KubeConfig, '--listen', '8080', '--layout', $Value)
        $r.ExitCode | Should -Be 0 -Because $r.StdErr
        $r.Events[0].Routes | Should -Be 3
        $r.Events[0].Validated | Should -BeTrue -Because 'nginx -t accepted the config'
        $conf = Get-Content -LiteralPath $a -Raw
        if ($Layout -eq 'Maps') {
            $conf | Should -Match 'map \$uri \$nginxkit_prefix1 '
            $conf | Should -Match '(?m)^\s+"_/web/docs/" '
            $conf | Should -Not -Match 'location /web/ '
        } else {
            $conf | Should -Match 'location /web/docs/ '
            $conf | Should -Not -Match '\$nginxkit_prefix'
        }
        $event = Sync-NginxConf -Once -OutFile $b -KubeConfig $fake.KubeConfig -Listen 8080 -Layout $Layout -NginxPath $nginxPath -ErrorAction Stop
        $event.Written | Should -BeTrue
        $conf | Should -BeExactly (Get-Content -LiteralPath $b -Raw)
    }

    It 'exits 1 with NoValidRoutes when no Service gives a route, and writes nothing' {
        $null = Add-FakeKubeObject -Server $fake -Object (New-TestService -Name broken -Annotations @{ 'nginxkit.io/port' = 'nope' })
        $out = Join-Path $dir 'none/default.conf'
        $r = Invoke-Sync @('once', '--out-file', $out, '--kubeconfig', $fake.KubeConfig)
        $r.ExitCode | Should -Be 1
        $r.Events | Should -BeNullOrEmpty
        ($r.Messages | Where-Object Level -eq 'error').ErrorId | Should -Contain 'NoValidRoutes'
        $out | Should -Not -Exist
    }

    It 'exits 1 with KubeUnreachable when the cluster does not answer' {
        $config = Join-Path $dir 'down.kubeconfig'
        $null = New-FakeKubeConfig -Path $config -Url "http://127.0.0.1:$(Get-FreeTcpPort)"
        $r = Invoke-Sync @('once', '--out-file', (Join-Path $dir 'down/default.conf'), '--kubeconfig', $config)
        $r.ExitCode | Should -Be 1
        ($r.Messages | Select-Object -Last 1).ErrorId | Should -Be 'KubeUnreachable'
        ($r.Messages | Select-Object -Last 1).Message | Should -Match '^Listing Services: the cluster did not answer'
    }

    It 'exits 1 with KubeConfigInvalid for a kubeconfig that is not one, and KubeConfigNotFound for a missing one' {
        $bad = Join-Path $dir 'bad.kubeconfig'
        Set-Content -LiteralPath $bad -Value "clusters: not-a-list`n"
        $r = Invoke-Sync @('once', '--out-file', (Join-Path $dir 'x.conf'), '--kubeconfig', $bad)
        $r.ExitCode | Should -Be 1
        $r.Messages[-1].ErrorId | Should -Be 'KubeConfigInvalid'
        $r.Messages[-1].Message | Should -Match "'clusters' must be a list"
        $r = Invoke-Sync @('once', '--out-file', (Join-Path $dir 'x.conf'), '--kubeconfig', (Join-Path $dir 'missing.kubeconfig'))
        $r.ExitCode | Should -Be 1
        $r.Messages[-1].ErrorId | Should -Be 'KubeConfigNotFound'
    }

    It 'exits 1 with ConfigRejected when nginx -t rejects the config, and leaves the old file' {
        # Listening twice on one port passes every allow-list, and nginx -t refuses it.
        $null = Add-FakeKubeObject -Server $fake -Object (New-TestService -Name web)
        $out = Join-Path $dir 'rejected/default.conf'
        $null = New-Item -ItemType Directory -Force -Path (Split-Path $out)
        Set-Content -LiteralPath $out -Value "# the last good config`n" -NoNewline
        $r = Invoke-Sync @('once', '--out-file', $out, '--kubeconfig', $fake.KubeConfig, '--listen', '127.0.0.1:18080', '--listen', '127.0.0.1:18080')
        $r.ExitCode | Should -Be 1
        $r.Messages[-1].ErrorId | Should -Be 'ConfigRejected'
        Get-Content -LiteralPath $out -Raw | Should -BeExactly "# the last good config`n"
    }
}

Describe 'nginxkit-sync''s render flags with a real nginx' -Tag 'Kubernetes', 'Nginx', 'Real' -Skip:(-not $nginx) {
    BeforeAll {
        $fake = Start-FakeKubeApi
        $dir = New-TestDirectory
        $backend = @(Start-EchoBackend -Name web)[0]
        $null = Add-FakeKubeObject -Server $fake -Object (New-TestService -Name web -Port $backend.Port)
        $ca = New-TestCertificateAuthority
        $tls = New-TestServerCertificate -Authority $ca -Directory "$dir/tls"
        $plain = Get-FreeTcpPort
        $secure = Get-FreeTcpPort
        $out = Join-Path $dir 'tls/default.conf'
        $r = Invoke-Sync @('once', '--out-file', $out, '--kubeconfig', $fake.KubeConfig, '--listen', "127.0.0.1:$plain",
            '--tls-certificate', $tls.CertificatePath, '--tls-key', $tls.KeyPath, '--tls-listen', "127.0.0.1:$secure",
            '--redirect-http', '--redirect-port', '30443', '--websocket', '--client-max-body-size', '20m', '--proxy-read-timeout', '120')
        $conf = if (Test-Path -LiteralPath $out) { Get-Content -LiteralPath $out -Raw }
        $server = if ($r.ExitCode -eq 0) { Start-NginxServer -Config $conf -NginxPath $nginxPath -Port $plain }
    }

    AfterAll {
        if ($server) { Stop-NginxServer $server }
        if ($backend) { $backend | Stop-EchoBackend }
        Stop-FakeKubeApi $fake
        if ($dir) { Remove-Item -LiteralPath $dir -Recurse -Force -ErrorAction Ignore }
    }

    It 'renders TLS with the test CA''s certificate, checked by nginx -t, with the settings in the config' {
        $r.ExitCode | Should -Be 0 -Because $r.StdErr
        $r.Events[0].Validated | Should -BeTrue
        $conf | Should -Match ([regex]::Escape("ssl_certificate $($tls.CertificatePath);"))
        $conf | Should -Match ([regex]::Escape("ssl_certificate_key $($tls.KeyPath);"))
        $conf | Should -Match 'client_max_body_size 20m;'
        $conf | Should -Match 'proxy_read_timeout 120s;'
        $conf | Should -Match 'proxy_http_version 1\.1;'
    }

    It 'is the config Sync-NginxConf writes with the same settings' {
        $b = Join-Path $dir 'tls/b.conf'
        $null = Sync-NginxConf -Once -OutFile $b -KubeConfig $fake.KubeConfig -Listen "127.0.0.1:$plain" -TlsCertificate $tls.CertificatePath -TlsKey $tls.KeyPath `
            -TlsListen "127.0.0.1:$secure" -RedirectHttp -WebSocket -ClientMaxBodySize 20m -ProxyReadTimeoutSec 120 `
            -NginxPath $nginxPath -ErrorAction Stop
        # The one difference: the redirect names the port clients reach, not the one nginx listens on
        # (and so the hash line, which is the hash of the rest).
        $withoutHash = { param($text) $text -replace '(?m)^# nginxkit-hash: \S+\n', '' }
        $theirs = & $withoutHash ((Get-Content -LiteralPath $b -Raw).Replace("https://`$host:$secure", 'https://$host:30443'))
        $theirs | Should -BeExactly (& $withoutHash $conf)
        $theirs | Should -Match 'return 301 https://\$host:30443\$request_uri;'
        Get-Content -LiteralPath $b -Raw | Should -Match "return 301 https://\`$host:$secure\`$request_uri;"
    }

    It 'serves the route over TLS with HTTP/2 to a client that trusts the CA' {
        $response = Invoke-TlsHttp -Port $secure -Path '/web/x' -Authority $ca -Http2
        $response.StatusCode | Should -Be 200
        $response.Version | Should -Be ([version]'2.0')
        $response.Body | Should -BeExactly 'web GET /x HTTP/1.1'
        (Get-TlsHandshake -Port $secure -Authority $ca).Certificate.Thumbprint | Should -Be $tls.Certificate.Thumbprint
    }

    It 'redirects plain HTTP to the --redirect-port, and answers /healthz itself' {
        $response = Invoke-RawHttp -Port $plain -Path '/web/x?y=1'
        $response.StatusCode | Should -Be 301
        $response.Location | Should -BeExactly 'https://localhost:30443/web/x?y=1'
        $health = Invoke-RawHttp -Port $plain -Path '/healthz'
        $health.StatusCode | Should -Be 200
        $health.Body | Should -BeExactly "ok`n"
    }

    It 'takes the arguments New-NginxKitManifest gives the init container, with the pod''s paths here' {
        $deployment = New-NginxKitManifest -TlsSecret entry-tls -RedirectHttp -ClientMaxBodySize 50m -WebSocket -ProxyRedirect `
            -ProxyConnectTimeoutSec 5 -ProxyReadTimeoutSec 120 -ProxySendTimeoutSec 60 | Where-Object Kind -eq Deployment
        $podArgs = @($deployment.Spec.Template.Spec.InitContainers[0].Args)
        $podOut = Join-Path $dir 'pod/default.conf'
        $local = @($podArgs | ForEach-Object {
                $_.Replace('/etc/nginx/conf.d/default.conf', $podOut).Replace('/etc/nginxkit/tls/tls.crt', $tls.CertificatePath).Replace('/etc/nginxkit/tls/tls.key', $tls.KeyPath)
            })
        $local | Should -Not -Contain '/etc/nginxkit/tls/tls.crt'
        $p = Invoke-Sync ($local + @('--kubeconfig', $fake.KubeConfig))
        $p.ExitCode | Should -Be 0 -Because $p.StdErr
        $p.Events[0].Validated | Should -BeTrue -Because 'nginx -t checked the config, certificate included'
        $podConf = Get-Content -LiteralPath $podOut -Raw
        $podConf | Should -Match 'listen 8443 ssl'
        $podConf | Should -Match 'return 301 https://\$host\$request_uri;' -Because 'clients reach TLS on the Service''s 443'
        foreach ($directive in 'client_max_body_size 50m;', 'proxy_connect_timeout 5s;', 'proxy_read_timeout 120s;', 'proxy_send_timeout 60s;', 'proxy_http_version 1.1;') {
            $podConf | Should -Match ([regex]::Escape($directive))
        }
    }
}

Describe 'nginxkit-sync watch' -Tag 'Kubernetes', 'Nginx', 'Real' -Skip:(-not $nginx) {
    BeforeAll {
        $fake = Start-FakeKubeApi
        $null = Add-FakeKubeObject -Server $fake -Object (New-TestService -Name web)
        $dir = New-TestDirectory
        $out = Join-Path $dir 'default.conf'
        $psi = [Diagnostics.ProcessStartInfo]::new($sync)
        foreach ($a in 'watch', '--out-file', $out, '--kubeconfig', $fake.KubeConfig, '--listen', '127.0.0.1:18080') { $psi.ArgumentList.Add($a) }
        $psi.RedirectStandardOutput = $true
        $psi.RedirectStandardError = $true
        $psi.UseShellExecute = $false
        $watch = [Diagnostics.Process]::Start($psi)
        $stderr = $watch.StandardError.ReadToEndAsync()
        $script:pending = $watch.StandardOutput.ReadLineAsync()
        # The next JSON line on stdout, within the bound.
        function Read-Event([int] $TimeoutSec = 30) {
            if (-not $script:pending.Wait($TimeoutSec * 1000)) { throw "no sync event within $TimeoutSec s; stderr: $($stderr.IsCompleted ? $stderr.Result : '(running)')" }
            $line = $script:pending.Result
            if ($null -eq $line) { throw "nginxkit-sync watch ended (exit $($watch.ExitCode)): $($stderr.Result)" }
            $script:pending = $watch.StandardOutput.ReadLineAsync()
            $line | ConvertFrom-Json -Depth 16
        }
    }

    AfterAll {
        if ($watch -and -not $watch.HasExited) { $watch.Kill() }
        Stop-FakeKubeApi $fake
        if ($dir) { Remove-Item -LiteralPath $dir -Recurse -Force -ErrorAction Ignore }
    }

    It 'writes the config after its first list, then one JSON line per change' {
        $first = Read-Event
        $first.Trigger | Should -Be 'list'
        $first.Written | Should -BeTrue
        @($first.Added) | Should -Be @('_/web/')
        $null = Add-FakeKubeObject -Server $fake -Object (New-TestService -Name api -Port 9090)
        $next = Read-Event
        $next.Trigger | Should -Be 'Added'
        @($next.Added) | Should -Be @('_/api/')
        $next.Reloaded | Should -BeFalse -Because 'no reload option was given'
        Get-Content -LiteralPath $out -Raw | Should -Match 'location /api/ '
    }

    It 'exits 0 on SIGTERM, as a pod''s container stops' {
        & kill -TERM $watch.Id
        $watch.WaitForExit(30000) | Should -BeTrue
        $watch.ExitCode | Should -Be 0
    }
}

Describe 'nginxkit-sync watch after a reload that fails' -Tag 'Kubernetes', 'Nginx', 'Real' -Skip:(-not $nginx) {
    BeforeAll {
        $backends = @(Start-EchoBackend -Name alpha)
        $fake = Start-FakeKubeApi
        $null = Add-FakeKubeObject -Server $fake -Object (New-FakeKubeService -Name web -Port $backends[0].Port)
        $dir = New-TestDirectory
        $initial = Join-Path $dir 'initial.conf'
        $once = Invoke-Sync @('once', '--out-file', $initial, '--kubeconfig', $fake.KubeConfig, '--listen', "127.0.0.1:$(Get-FreeTcpPort)")
        if ($once.ExitCode -ne 0) { throw "nginxkit-sync once exited with $($once.ExitCode): $($once.StdErr)" }
        $server = Start-NginxServer -Config (Get-Content -LiteralPath $initial -Raw) -NginxPath $nginxPath
        # The reload command fails once (as when nginx's master is between restarts), then reloads.
        $failed = Join-Path $dir 'failed-once'
        $reload = Join-Path $dir 'reload.sh'
        Write-UnixText -Path $reload -Line @(
            '#!/bin/sh'
            "if [ ! -e '$failed' ]; then : > '$failed'; echo 'nginx: master not ready' >&2; exit 1; fi"
            "exec '$nginxPath' -p '$($server.Prefix)/' -c '$($server.MainConfPath)' -e '$($server.Prefix)/error.log' -s reload"
        )
        & chmod 755 $reload
        $psi = [Diagnostics.ProcessStartInfo]::new($sync)
        foreach ($a in 'watch', '--out-file', $server.ConfPath, '--kubeconfig', $fake.KubeConfig, '--listen', "127.0.0.1:$($server.Port)", '--reload-command', $reload) { $psi.ArgumentList.Add($a) }
        $psi.RedirectStandardOutput = $true
        $psi.RedirectStandardError = $true
        $psi.UseShellExecute = $false
        $psi.Environment['TMPDIR'] = $dir
        $watch = [Diagnostics.Process]::Start($psi)
        $stderr = $watch.StandardError.ReadToEndAsync()
        $lines = [Collections.Concurrent.ConcurrentQueue[string]]::new()
        $script:pending = $watch.StandardOutput.ReadLineAsync()
        # The sync events so far, read without blocking.
        function Get-Events {
            while ($script:pending.IsCompleted -and $null -ne $script:pending.Result) {
                $lines.Enqueue($script:pending.Result)
                $script:pending = $watch.StandardOutput.ReadLineAsync()
            }
            @($lines.ToArray() | ForEach-Object { $_ | ConvertFrom-Json -Depth 16 })
        }
        $diagnostics = { "events: $((Get-Events | ForEach-Object { $_ | ConvertTo-Json -Compress }) -join "`n")"; "stderr: $($stderr.IsCompleted ? $stderr.Result : '(running)')" }
    }

    AfterAll {
        if ($watch -and -not $watch.HasExited) { $watch.Kill() }
        Stop-NginxServer $server
        Stop-FakeKubeApi $fake
        if ($backends) { $backends | Stop-EchoBackend }
        if ($dir) { Remove-Item -LiteralPath $dir -Recurse -Force -ErrorAction Ignore }
    }

    It 'does not count the written config as served, retries the reload, and nginx serves the change' {
        $null = Wait-Until -Because 'the first sync' -Diagnostics $diagnostics -Process $watch -Condition { @(Get-Events).Count -ge 1 }
        (Get-Events)[0].Reloaded | Should -BeFalse -Because 'nginx started on the file the first sync finds'
        $null = Add-FakeKubeObject -Server $fake -Object (New-FakeKubeService -Name api -Port $backends[0].Port)

        $failure = Wait-Until -Because 'the sync whose reload fails' -Diagnostics $diagnostics -Process $watch -Condition {
            Get-Events | Where-Object { $_.Written -and $_.Error } | Select-Object -First 1
        }
        $failure.Reloaded | Should -BeFalse
        $failure.Error | Should -Match 'nginx was not reloaded'
        @($failure.Added) | Should -Be @('_/api/')
        Test-Path -LiteralPath $failed | Should -BeTrue

        # No change in the cluster follows: only the retry can get the written file loaded.
        $retried = Wait-Until -Because 'a retried reload' -Diagnostics $diagnostics -Process $watch -Condition {
            Get-Events | Where-Object { $_.Trigger -eq 'retry' -and $_.Reloaded } | Select-Object -First 1
        }
        $retried.Written | Should -BeFalse -Because 'the file already holds the config'
        $retried.Error | Should -BeNullOrEmpty
        @($retried.Added) | Should -Be @('_/api/') -Because 'nginx serves the route only from this reload on'
        $null = Wait-Until -Because '/api/ to be served' -Diagnostics $diagnostics -Condition {
            try { (Invoke-RawHttp -Port $server.Port -Path '/api/x' -TimeoutSec 5).Body -like 'alpha GET /x*' } catch { $false }
        }
        # Once loaded, nothing more is owed: no further retry.
        $count = @(Get-Events).Count
        $null = Add-FakeKubeObject -Server $fake -Object (New-FakeKubeService -Name later -Port $backends[0].Port)
        $later = Wait-Until -Because 'the next change''s sync' -Diagnostics $diagnostics -Process $watch -Condition {
            Get-Events | Select-Object -Skip $count | Where-Object { @($_.Added) -contains '_/later/' } | Select-Object -First 1
        }
        $later.Reloaded | Should -BeTrue
        @($later.Added) | Should -Be @('_/later/')
        @(Get-Events | Select-Object -Skip $count | Where-Object Trigger -eq 'retry') | Should -BeNullOrEmpty
    }
}
