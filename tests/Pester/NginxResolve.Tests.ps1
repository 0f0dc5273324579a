<#
    Resolve-NginxRoute checked against a real nginx: for every request of the real-nginx path table
    (NginxPathTable.psd1) and for random URLs over random route sets, its answer must be nginx's:
    the same backend, the same URI received, the same status, the same Location. The echo backends
    (tests/Fixtures/EchoBackend) report the request line nginx sent them.

    Environment: as TestHelpers.psm1 lists it, and
      NGINXKIT_REQUIRE_REAL   1 to fail instead of skipping when nginx is not installed
      NGINXKIT_RESOLVE_SEED   the seed of the random sample; by default a new one, printed in the test's name
#>

BeforeDiscovery {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    $nginx = Find-RealTool -Name nginx
    $table = Import-PowerShellDataFile "$PSScriptRoot/NginxPathTable.psd1"

    # Beyond the table: what nginx answers itself, escapes, dot segments, case, queries.
    $extra = @(
        '/healthz', '/healthz/', '/healthz?x=1', '/50x.html', '/Volume/a', '/VOLUME', '/volume/%61%2Fb', '/volume%2Fa',
        '/%76olume/a', '/volume/a%20b?q=%20', '/volume/./a/../b', '/volume/..', '/volume/a/..%2F..%2Fapi/x', '/..', '/%2e%2e/x',
        '/volume/%zz', '/volume/%00', '/api/v2/../v2', '/api//v2/x', '/legacy/a%2Fb?c=d', '/legacy', '/legacy/../volume/x',
        '/volume/?', '/volume?', '/api/v2?a=b&c', '/volume/%25', '/volume/%23x', '/volume/%3F'
    )
    $mainRequests = @(
        foreach ($r in $table.Main.Proxied) { @{ Request = $r.Request; HostHeader = 'localhost' } }
        foreach ($r in $table.Main.Redirects) { @{ Request = $r.Request; HostHeader = $r.HostHeader } }
        foreach ($r in $extra) { @{ Request = $r; HostHeader = 'localhost' } }
    )
    $noRootRequests = @(
        foreach ($r in @($table.NoRoot.NotFound) + @($table.NoRoot.Proxied)) { @{ Request = $r.Request; HostHeader = 'localhost' } }
    )
    $serverNameRequests = @(
        foreach ($r in $table.ServerNames.Requests) { @{ Request = $r.Request; HostHeader = $r.HostHeader } }
        @{ Request = '/volume/a'; HostHeader = 'VOL.Example' }     # server names match without regard to case
        @{ Request = '/volume/a'; HostHeader = 'vol.example.' }    # a trailing dot is dropped
        @{ Request = '/volume'; HostHeader = 'vol.example' }
        @{ Request = '/volume'; HostHeader = 'other.example' }
    )
    $seed = if ($env:NGINXKIT_RESOLVE_SEED) { [int]$env:NGINXKIT_RESOLVE_SEED } else { Get-Random -Minimum 1 -Maximum ([int]::MaxValue) }
}

BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-TestModule NginxHarness
    $nginxPath = Find-RealTool -Name nginx
    $table = Import-PowerShellDataFile "$PSScriptRoot/NginxPathTable.psd1"

    # Sends the request to the real nginx and returns what differs from the resolution; nothing when they agree.
    function Compare-WithNginx([object] $Server, [string] $Request, [string] $HostHeader, [object] $Resolution, [hashtable] $NameByPort) {
        $real = Invoke-RawHttp -Port $Server.Port -Path $Request -HostHeader $HostHeader
        $echo = $real.Headers['X-Echo-Backend']
        $shown = "Host $HostHeader $Request"
        if ($Resolution.Status -eq 'Proxied') {
            $name = $NameByPort[[int]($Resolution.Backend -replace '^.*:')]
            $expected = "$name GET $($Resolution.BackendUri) HTTP/1.1"
            if ($real.StatusCode -ne 200 -or $real.Body -cne $expected) {
                "$shown`: resolved to '$expected' ($($Resolution.Reason)); nginx answered $($real.StatusCode) '$($real.Body)'"
            }
            $prefix = $real.Headers['X-Echo-X-Forwarded-Prefix']
            if ($prefix -cne $Resolution.ForwardedPrefix) { "$shown`: X-Forwarded-Prefix resolved '$($Resolution.ForwardedPrefix)', nginx sent '$prefix'" }
        } else {
            if ("$($real.StatusCode)" -ne $Resolution.Status -or $echo) {
                "$shown`: resolved $($Resolution.Status) ($($Resolution.Reason)); nginx answered $($real.StatusCode)$(if ($echo) { " from backend $echo" })"
            }
            if ($real.Location -cne $Resolution.Location) { "$shown`: resolved Location '$($Resolution.Location)', nginx sent '$($real.Location)'" }
        }
    }

    function Get-Url([object] $Server, [string] $Request, [string] $HostHeader) {
        $authority = if ($HostHeader.Contains(':')) { $HostHeader } else { "$($HostHeader):$($Server.Port)" }
        "http://$authority$Request"
    }
}

# nginx serves each config in both layouts: Resolve-NginxRoute reads either, and -Route must give what either serves.
Describe 'Resolve-NginxRoute answers as a real nginx does, with configs in the <Layout> layout' -Tag 'Nginx', 'Real' -Skip:(-not $nginx) -ForEach @(
    @{ Layout = 'Locations' }
    @{ Layout = 'Maps' }
) {
    BeforeAll {
        $names = 'volume', 'api', 'apiv2', 'root', 'legacy', 'r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7'
        $backends = @(Start-EchoBackend -Name $names)
        $port = @{}
        $nameByPort = @{}
        foreach ($b in $backends) { $port[$b.Name] = $b.Port; $nameByPort[$b.Port] = $b.Name }
    }

    AfterAll {
        if ($backends) { $backends | Stop-EchoBackend }
    }

    Context 'the path table''s routes: /legacy (StripPrefix off), /volume, /api/, /api/v2 and /' {
        BeforeAll {
            $routes = @(ConvertTo-EchoRoute $table.Main.Routes $port)
            $listen = "127.0.0.1:$(Get-FreeTcpPort)"
            $confFile = Join-Path $TestDrive 'default.conf'
            $null = $routes | New-NginxConf -Listen $listen -Layout $Layout -OutFile $confFile -ErrorAction Stop
            $server = Start-NginxServer -Config (Get-Content -LiteralPath $confFile -Raw) -NginxPath $nginxPath
        }

        AfterAll {
            if ($server) { Stop-NginxServer $server }
        }

        It 'Host <HostHeader> <Request>: -Route gives nginx''s answer' -ForEach $mainRequests {
            $url = Get-Url $server $Request $HostHeader
            $resolution = Resolve-NginxRoute -Url $url -Route $routes -Listen "127.0.0.1:$($server.Port)" -ErrorAction Stop
            $resolution.Url | Should -BeExactly $url
            Compare-WithNginx $server $Request $HostHeader $resolution $nameByPort | Should -BeNullOrEmpty
        }

        It 'Host <HostHeader> <Request>: -ConfigFile on the file New-NginxConf wrote gives nginx''s answer' -ForEach $mainRequests {
            $resolution = Resolve-NginxRoute -Url (Get-Url $server $Request $HostHeader) -ConfigFile $confFile -ErrorAction Stop
            Compare-WithNginx $server $Request $HostHeader $resolution $nameByPort | Should -BeNullOrEmpty
        }

        It 'names the route''s Service and namespace, from the routes and from the file''s comments' {
            $url = Get-Url $server '/volume/api/v1/pools' 'localhost'
            foreach ($r in @(
                    (Resolve-NginxRoute $url -Route $routes -Listen "127.0.0.1:$($server.Port)")
                    (Resolve-NginxRoute $url -ConfigFile $confFile))) {
                $r.Route | Should -BeExactly '/volume/'
                $r.Service | Should -BeExactly 'volume'
                $r.Namespace | Should -BeExactly 'storage'
                $r.Backend | Should -BeExactly "127.0.0.1:$($port.volume)"
                $r.BackendUri | Should -BeExactly '/api/v1/pools'
            }
        }

        It 'says why in plain words: <Request> gives "<Reason>"' -ForEach @(
            @{ Request = '/api/v2/y'; Reason = 'longest prefix /api/v2/ beat /api/, /' }
            @{ Request = '/volume'; Reason = '/volume is location /volume/ without its trailing slash: nginx redirects it (301) to /volume/' }
            @{ Request = '/healthz'; Reason = 'exact match = /healthz: nginx answers 200' }
            @{ Request = '/volume/../api/x'; Reason = 'nginx normalised /volume/../api/x to /api/x before matching' }
            @{ Request = '/volume/a'; Reason = '/volume/ is replaced with /' }
        ) {
            (Resolve-NginxRoute $Request -ConfigFile $confFile).Reason | Should -BeLike "*$Reason*"
        }

        It 'resolves URLs piped as strings and as objects with a Url property, with the routes given by name' {
            $urls = '/volume/a', '/api/x'
            $byString = $urls | Resolve-NginxRoute -Route $routes
            $byProperty = $urls | ForEach-Object { [pscustomobject]@{ Url = $_ } } | Resolve-NginxRoute -Route $routes
            $byString.BackendUri | Should -Be '/a', '/x'
            $byProperty.BackendUri | Should -Be '/a', '/x'
        }

        It 'takes piped routes, as Get-NginxRoute writes them, for the URLs given' {
            $typed = foreach ($r in $routes) { [NginxKit.NginxRoute]@{ Path = $r.Path; Backend = $r.Backend; Port = $r.Port; StripPrefix = ($r.StripPrefix -ne $false) } }
            $answers = $typed | Resolve-NginxRoute -Url '/volume/a', '/legacy/b'
            $answers.BackendUri | Should -Be '/a', '/legacy/b'
        }
    }

    Context '<Name>' -ForEach @(
        @{ Name = 'the path table without a / route'; Part = 'NoRoot'; Requests = $noRootRequests }
        @{ Name = 'the path table''s routes on their own server_name'; Part = 'ServerNames'; Requests = $serverNameRequests }
    ) {
        BeforeAll {
            $routes = @(ConvertTo-EchoRoute $table.$Part.Routes $port)
            $server = Start-RouteServer -Routes $routes -NginxPath $nginxPath -Layout $Layout
        }

        AfterAll {
            if ($server) { Stop-NginxServer $server }
        }

        It 'Host <HostHeader> <Request> gives nginx''s answer' -ForEach $Requests {
            $resolution = Resolve-NginxRoute -Url (Get-Url $server $Request $HostHeader) -Route $routes -Listen "127.0.0.1:$($server.Port)" -ErrorAction Stop
            Compare-WithNginx $server $Request $HostHeader $resolution $nameByPort | Should -BeNullOrEmpty
        }
    }

    Context 'Services of a cluster (the fake API server), resolved with Get-NginxRoute''s discovery' -Tag 'Kubernetes' {
        BeforeAll {
            Import-Module "$PSScriptRoot/FakeKubeApi.psm1" -Force
            $fake = Start-FakeKubeApi
            Add-FakeKubeObject $fake -Object @(
                New-FakeKubeService volume -Namespace storage -Port $port.volume -Annotations @{ 'nginxkit.io/path' = '/volume' }
                New-FakeKubeService api -Namespace platform -Port $port.api -Annotations @{ 'nginxkit.io/path' = '/api' }
                New-FakeKubeService legacy -Namespace platform -Port $port.legacy -Annotations @{ 'nginxkit.io/path' = '/legacy'; 'nginxkit.io/strip-prefix' = 'false' }
                New-FakeKubeService root -Namespace web -Port $port.root -Annotations @{ 'nginxkit.io/path' = '/' }
                New-FakeKubeService quiet -Namespace web -Port $port.r0 -NoOptIn
            ) | Out-Null
            $listen = "127.0.0.1:$(Get-FreeTcpPort)"
            $conf = Get-NginxRoute -KubeConfig $fake.KubeConfig | New-NginxConf -Listen $listen -Layout $Layout -ErrorAction Stop
            $server = Start-NginxServer -Config $conf -NginxPath $nginxPath
        }

        AfterAll {
            if ($server) { Stop-NginxServer $server }
            if ($fake) { Stop-FakeKubeApi $fake }
        }

        It 'Host localhost <Request> gives nginx''s answer, with the Service that serves it' -ForEach @(
            @{ Request = '/volume/api/v1/pools'; Service = 'storage/volume' }
            @{ Request = '/api/x?y=1'; Service = 'platform/api' }
            @{ Request = '/legacy/report'; Service = 'platform/legacy' }
            @{ Request = '/quiet/x'; Service = 'web/root' }
            @{ Request = '/api'; Service = 'platform/api' }
        ) {
            $resolution = Resolve-NginxRoute -Url (Get-Url $server $Request 'localhost') -KubeConfig $fake.KubeConfig -Listen $listen -ErrorAction Stop
            "$($resolution.Namespace)/$($resolution.Service)" | Should -BeExactly $Service
            Compare-WithNginx $server $Request 'localhost' $resolution $nameByPort | Should -BeNullOrEmpty
        }

        It 'resolves URLs piped as strings against the cluster''s routes' {
            $answers = (Get-Url $server '/volume/a' 'localhost'), (Get-Url $server '/legacy/b' 'localhost') | Resolve-NginxRoute -KubeConfig $fake.KubeConfig -Listen $listen
            $answers.Service | Should -Be 'volume', 'legacy'
            $answers.BackendUri | Should -Be '/a', '/legacy/b'
        }

        It 'resolves nothing when the cluster cannot be read, rather than answer 404 for every URL' {
            Add-FakeKubeFault -Server $fake -Method GET -Path '/api/v1/namespaces/storage/services' -Code 403 -Times 1 | Out-Null
            $answers = Resolve-NginxRoute '/volume/a' -KubeConfig $fake.KubeConfig -Namespace storage -ErrorVariable errs -ErrorAction SilentlyContinue
            $answers | Should -BeNullOrEmpty
            @($errs).Count | Should -Be 1
            $errs[0].FullyQualifiedErrorId | Should -BeLike 'KubeForbidden,*'
        }

        It 'takes -Namespace, -Selector and -ExposeAll as Get-NginxRoute does' {
            $url = Get-Url $server '/quiet/x' 'localhost'
            (Resolve-NginxRoute $url -KubeConfig $fake.KubeConfig -Listen $listen -Namespace storage).Status | Should -Be '404'
            (Resolve-NginxRoute $url -KubeConfig $fake.KubeConfig -Listen $listen -Selector 'app=root').Service | Should -Be 'root'
            $exposed = Resolve-NginxRoute $url -KubeConfig $fake.KubeConfig -Listen $listen -ExposeAll
            $exposed.Service | Should -Be 'quiet'
            $exposed.BackendUri | Should -Be '/x'
        }
    }

    Context 'random route sets (seed <Seed>)' -ForEach @{ Seed = $seed } {
        BeforeAll {
            $listen = "127.0.0.1:$(Get-FreeTcpPort)"
            $server = Start-NginxServer -Config "server {`n    listen $listen;`n}`n" -NginxPath $nginxPath
        }

        AfterAll {
            if ($server) { Stop-NginxServer $server }
        }

        It 'gives nginx''s answer for 400 random URLs over 10 random route sets' {
            $random = [Random]::new($Seed)
            $pick = { param($Items) $Items[$random.Next($Items.Count)] }
            $segments = 'a', 'b', 'ab', 'api', 'v2', 'API', 'x.y', '_z', 'a-b'
            $hosts = 'one.example', 'TWO.example', 'other.example', '127.0.0.1'
            $failures = [Collections.Generic.List[string]]::new()
            $checked = 0
            foreach ($set in 1..10) {
                $routes = foreach ($i in 0..($random.Next(2, 8) - 1)) {
                    $path = if ($random.Next(6) -eq 0) { '/' } else { '/' + ((1..$random.Next(1, 4) | ForEach-Object { & $pick $segments }) -join '/') }
                    if ($random.Next(2) -eq 0 -and $path -ne '/') { $path += '/' }
                    [pscustomobject]@{
                        Path        = $path
                        Backend     = '127.0.0.1'
                        Port        = $port["r$i"]
                        StripPrefix = $random.Next(3) -ne 0
                        ServerName  = & $pick @($null, $null, $null, 'one.example', 'two.example')
                    }
                }
                $render = @{ Listen = $listen; NotDefaultServer = $random.Next(4) -eq 0 }
                # Two routes may claim one path: both commands refuse the later claim alike.
                $conf = $routes | New-NginxConf @render -Layout $Layout -ErrorAction SilentlyContinue
                Update-NginxServer -Server $server -Config $conf
                $confFile = Join-Path $TestDrive "random-$set.conf"
                Set-Content -LiteralPath $confFile -Value $conf -NoNewline
                foreach ($n in 1..40) {
                    $path = switch ($random.Next(5)) {
                        0 { '/' + ((1..$random.Next(1, 4) | ForEach-Object { & $pick $segments }) -join '/') }
                        1 { & $pick @('/healthz', '/healthz/', '/50x.html', '/') }
                        default { (& $pick @($routes)).Path }
                    }
                    if ($random.Next(3) -eq 0) { $path = $path.TrimEnd('/') + '/' + (& $pick $segments) }
                    if ($random.Next(4) -eq 0 -and $path.Length -gt 1) { $path = $path.TrimEnd('/') }
                    if ($random.Next(6) -eq 0) { $path += 'x' }
                    if ($random.Next(6) -eq 0) { $path = $path.ToUpperInvariant() }
                    if ($random.Next(6) -eq 0) { $path = $path.Insert($path.IndexOf('/', 1) -gt 0 ? $path.IndexOf('/', 1) : 0, '/') }
                    if ($random.Next(6) -eq 0) { $path = $path -replace '^(/[^/]*)/', '$1/./' }
                    if ($random.Next(6) -eq 0) { $path = $path -replace '^(/[^/]*)/', ('$1/' + (& $pick $segments) + '/../') }
                    if ($random.Next(8) -eq 0) { $path = '/..' + $path }
                    if ($random.Next(4) -eq 0 -and $path.Length -gt 1) {
                        # Percent-encode one character, as a client may: a letter, a slash or a dot.
                        $at = $random.Next(1, $path.Length)
                        if ($path[$at] -ne '%') { $path = $path.Substring(0, $at) + ('%{0:X2}' -f [int]$path[$at]) + $path.Substring($at + 1) }
                    }
                    if ($random.Next(4) -eq 0) { $path += & $pick @('?q=1', '?a=%2F&b', '?', '?x=/y/../z') }
                    $hostName = & $pick $hosts
                    $url = "http://$($hostName):$($server.Port)$path"
                    $resolution = $routes | Resolve-NginxRoute -Url $url @render -ErrorAction SilentlyContinue
                    if (-not $resolution) { $failures.Add("set $set`: $url gave no resolution"); continue }
                    # The file nginx serves, read back, must give the same answer.
                    $fromFile = Resolve-NginxRoute -Url $url -ConfigFile $confFile -ErrorAction SilentlyContinue
                    if (-not $fromFile) { $failures.Add("set $set`: $url gave no resolution from the config file"); continue }
                    foreach ($f in @(Compare-WithNginx $server $path "$($hostName):$($server.Port)" $resolution $nameByPort) + @(Compare-WithNginx $server $path "$($hostName):$($server.Port)" $fromFile $nameByPort | ForEach-Object { "-ConfigFile: $_" })) {
                        $failures.Add("set $set ($(@($routes | ForEach-Object { "$($_.Path)$(if (-not $_.StripPrefix) { '(keep)' })$(if ($_.ServerName) { "@$($_.ServerName)" })" }) -join ' ')): $f")
                    }
                    $checked++
                }
            }
            $checked | Should -Be 400
            $failures | Should -BeNullOrEmpty -Because "seed $Seed (NGINXKIT_RESOLVE_SEED=$Seed repeats it)"
        }
    }
}

Describe 'Resolve-NginxRoute input' -Tag 'Nginx' {
    BeforeAll {
        $routes = @(
            [pscustomobject]@{ Path = '/volume'; Backend = '10.0.0.1'; Port = 8080 }
            [pscustomobject]@{ Path = '/'; Backend = '10.0.0.2'; Port = 80 }
        )
    }

    It 'writes one InvalidRequestUrl error per bad URL (<Shown>), and resolves the rest' -ForEach @(
        @{ Bad = 'ftp://x/volume'; Shown = 'ftp://'; Rule = 'UrlScheme' }
        @{ Bad = 'http://exa mple/'; Shown = 'a space'; Rule = 'UrlCharacter' }
        @{ Bad = ''; Shown = 'empty'; Rule = 'UrlEmpty' }
        @{ Bad = 'http://x:99999/'; Shown = 'port 99999'; Rule = 'UrlPort' }
        @{ Bad = 'http://user@x/'; Shown = 'user info'; Rule = 'UrlUserInfo' }
        @{ Bad = "http://x/`n"; Shown = 'a newline'; Rule = 'UrlCharacter' }
    ) {
        $answers = '/volume/a', $Bad, 'http://x/b' | Resolve-NginxRoute -Route $routes -ErrorVariable errs -ErrorAction SilentlyContinue
        @($answers).Count | Should -Be 2
        $answers.BackendUri | Should -Be '/a', '/b'
        @($errs).Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'InvalidRequestUrl,*'
        $errs[0].ErrorDetails.RecommendedAction | Should -Match $Rule
        $errs[0].ToString() | Should -Not -Match '[\x00-\x1f]'
    }

    It 'refuses a config with <What> as UnsupportedConfConstruct (<Rule>), before any URL' -ForEach @(
        @{ What = 'a regex location'; Rule = 'RegexLocation'; Conf = "server {`n    listen 80;`n    location ~ ^/api { proxy_pass http://10.0.0.1:80; }`n}`n" }
        @{ What = 'a rewrite'; Rule = 'UnknownDirective'; Conf = "server {`n    listen 80;`n    location / { rewrite ^ /x; proxy_pass http://10.0.0.1:80; }`n}`n" }
        @{ What = 'a variable in proxy_pass'; Rule = 'ProxyPassVariable'; Conf = "server {`n    location / { proxy_pass http://`$host:80; }`n}`n" }
        @{ What = 'a nested location'; Rule = 'NestedLocation'; Conf = "server {`n    location /a/ { location /a/b/ { } }`n}`n" }
        @{ What = 'an unclosed block'; Rule = 'Syntax'; Conf = "server {`n    location /a/ {`n" }
    ) {
        $file = Join-Path $TestDrive 'custom.conf'
        Set-Content -LiteralPath $file -Value $Conf -NoNewline
        $caught = $null
        try { $null = Resolve-NginxRoute '/a' -ConfigFile $file -ErrorAction Stop } catch { $caught = $_ }
        $caught | Should -Not -BeNullOrEmpty
        $caught.FullyQualifiedErrorId | Should -BeLike 'UnsupportedConfConstruct,*'
        $caught.ErrorDetails.RecommendedAction | Should -Match $Rule
    }

    It 'resolves against the Services of a manifest file, as Get-NginxRoute -Path reads them' {
        $r = Resolve-NginxRoute 'http://entry.example/volume/api/v1/pools?x=1' -Path (Join-Path (Get-RepoRoot) 'examples/services.yaml')
        $r.Status | Should -Be 'Proxied'
        $r.Service | Should -BeExactly 'volume'
        $r.Namespace | Should -BeExactly 'storage'
        $r.Backend | Should -BeExactly '10.96.12.40:8080'
        $r.BackendUri | Should -BeExactly '/api/v1/pools?x=1'
    }

    It 'sends plain HTTP to https with -RedirectHttp, /healthz excepted' {
        $tls = @{ TlsCertificate = '/etc/nginx/tls/entry.crt'; TlsKey = '/etc/nginx/tls/entry.key'; RedirectHttp = $true }
        $answers = 'http://Entry.example/volume/a?b=1', 'http://entry.example/healthz', 'https://entry.example/volume/a' | Resolve-NginxRoute -Route $routes @tls
        $answers[0].Status | Should -Be '301'
        $answers[0].Location | Should -BeExactly 'https://entry.example/volume/a?b=1'
        $answers[1].Status | Should -Be '200'
        $answers[2].Status | Should -Be 'Proxied'
        $answers[2].BackendUri | Should -BeExactly '/a'
    }

    It 'shows Url, Status, Route, Service and BackendUri in its table view' {
        $text = Resolve-NginxRoute '/volume/a' -Route $routes | Format-Table | Out-String -Width 200
        $text | Should -Match 'Url\s+Status\s+Route\s+Service\s+BackendUri'
        $text | Should -Match '/volume/a\s+Proxied\s+/volume/\s+/a'
    }
}
