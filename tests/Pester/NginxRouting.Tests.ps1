<#
    Routes rendered by New-NginxConf, served by a real nginx, in front of raw-socket echo backends
    (tests/Fixtures/EchoBackend) that answer with the exact request line nginx sent upstream.
    Then hostile routes: each must be refused by name and never reach the config.

    Environment: as TestHelpers.psm1 lists it, and
      NGINXKIT_REQUIRE_REAL  1 to fail instead of skipping when nginx is not installed
#>

BeforeDiscovery {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    $nginx = Find-RealTool -Name nginx
    $table = Import-PowerShellDataFile "$PSScriptRoot/NginxPathTable.psd1"

    # Test names show hostile values escaped, never raw (a newline or NUL would break the report).
    function Format-Shown([object] $Value) {
        if ($null -eq $Value) { return '<null>' }
        $text = "$Value"
        if ($text.Length -eq 0) { return "''" }
        $sb = [Text.StringBuilder]::new("'")
        foreach ($c in $text.ToCharArray()) {
            if ($sb.Length -ge 60) { $null = $sb.Append("...($($text.Length) chars)"); break }
            if ($c -ge ' ' -and $c -le '~') { $null = $sb.Append($c) } else { $null = $sb.Append(('\u{0:X4}' -f [int]$c)) }
        }
        $sb.Append("'").ToString()
    }

    $injection = '/volume/ { return 200; } } server { listen 127.0.0.1:18099; location /evil/ {'
    $longPath = '/' + ('x' * 9999)
    $longHost = (@('h' * 50) * 6) -join '.'  # 305 chars of valid-looking labels

    # Kind says which field carries the value; the rest of the route is a marked, otherwise valid route.
    $corpus = @(
        # paths
        @{ Kind = 'Path'; Value = "/volume`n}`nserver { listen 127.0.0.1:18098; }"; ErrorId = 'InvalidRoutePath'; Needle = '18098' }
        @{ Kind = 'Path'; Value = "/volume`r`nreturn 200"; ErrorId = 'InvalidRoutePath'; Needle = "`nreturn 200" }
        @{ Kind = 'Path'; Value = '/vol}ume'; ErrorId = 'InvalidRoutePath' }
        @{ Kind = 'Path'; Value = '/vol{ume'; ErrorId = 'InvalidRoutePath' }
        @{ Kind = 'Path'; Value = '/vol;ume'; ErrorId = 'InvalidRoutePath' }
        @{ Kind = 'Path'; Value = '/volume/ { return 200; }'; ErrorId = 'InvalidRoutePath'; Needle = '{ return 200; }' }
        @{ Kind = 'Path'; Value = $injection; ErrorId = 'InvalidRoutePath'; Needle = '/evil/' }
        @{ Kind = 'Path'; Value = '/vol$host'; ErrorId = 'InvalidRoutePath' }
        @{ Kind = 'Path'; Value = '/vol#ume'; ErrorId = 'InvalidRoutePath' }
        @{ Kind = 'Path'; Value = '/vol"ume'; ErrorId = 'InvalidRoutePath' }
        @{ Kind = 'Path'; Value = "/vol'ume"; ErrorId = 'InvalidRoutePath' }
        @{ Kind = 'Path'; Value = '/vol\ume'; ErrorId = 'InvalidRoutePath' }
        @{ Kind = 'Path'; Value = '/vol ume'; ErrorId = 'InvalidRoutePath' }
        @{ Kind = 'Path'; Value = "/vol`tume"; ErrorId = 'InvalidRoutePath' }
        @{ Kind = 'Path'; Value = "/vol`0ume"; ErrorId = 'InvalidRoutePath' }
        @{ Kind = 'Path'; Value = '/volume/..'; ErrorId = 'InvalidRoutePath' }
        @{ Kind = 'Path'; Value = '/../etc'; ErrorId = 'InvalidRoutePath' }
        @{ Kind = 'Path'; Value = '//volume'; ErrorId = 'InvalidRoutePath' }
        @{ Kind = 'Path'; Value = '/volume//api'; ErrorId = 'InvalidRoutePath' }
        @{ Kind = 'Path'; Value = '/volume/%2e%2e'; ErrorId = 'InvalidRoutePath' }
        @{ Kind = 'Path'; Value = '/volume%0a'; ErrorId = 'InvalidRoutePath' }
        @{ Kind = 'Path'; Value = "/vol$([char]0x0443)me"; ErrorId = 'InvalidRoutePath' }       # Cyrillic у
        @{ Kind = 'Path'; Value = "/volume$([char]0xFF0F)api"; ErrorId = 'InvalidRoutePath' }   # fullwidth solidus
        @{ Kind = 'Path'; Value = "/volume$([char]0x2215)api"; ErrorId = 'InvalidRoutePath' }   # division slash
        @{ Kind = 'Path'; Value = "/volume$([char]0x200B)"; ErrorId = 'InvalidRoutePath' }      # zero-width space
        @{ Kind = 'Path'; Value = $longPath; ErrorId = 'InvalidRoutePath'; Needle = 'x' * 64 }
        @{ Kind = 'Path'; Value = ''; ErrorId = 'InvalidRoutePath'; Needle = $null }
        @{ Kind = 'Path'; Value = 'volume'; ErrorId = 'InvalidRoutePath'; Needle = 'location volume' }
        @{ Kind = 'Path'; Value = '~ ^/volume'; ErrorId = 'InvalidRoutePath'; Needle = '^/volume' }
        @{ Kind = 'Path'; Value = '= /volume'; ErrorId = 'InvalidRoutePath'; Needle = '= /volume' }
        # backend hosts
        @{ Kind = 'Backend'; Value = '10.0.0.1; evil'; ErrorId = 'InvalidRouteBackend'; Needle = 'evil' }
        @{ Kind = 'Backend'; Value = 'evil.com}'; ErrorId = 'InvalidRouteBackend'; Needle = 'evil.com' }
        @{ Kind = 'Backend'; Value = '"x"'; ErrorId = 'InvalidRouteBackend' }
        @{ Kind = 'Backend'; Value = '1.2.3.4.5'; ErrorId = 'InvalidRouteBackend' }
        @{ Kind = 'Backend'; Value = '256.1.1.1'; ErrorId = 'InvalidRouteBackend' }
        @{ Kind = 'Backend'; Value = '0x7f.0.0.1'; ErrorId = 'InvalidRouteBackend' }
        @{ Kind = 'Backend'; Value = '::1]'; ErrorId = 'InvalidRouteBackend' }
        @{ Kind = 'Backend'; Value = '[::1%eth0]'; ErrorId = 'InvalidRouteBackend'; Needle = 'eth0' }
        @{ Kind = 'Backend'; Value = '[::1]:80'; ErrorId = 'InvalidRouteBackend' }
        @{ Kind = 'Backend'; Value = '10.1.2.3:80'; ErrorId = 'InvalidRouteBackend' }
        @{ Kind = 'Backend'; Value = '-bad.example'; ErrorId = 'InvalidRouteBackend' }
        @{ Kind = 'Backend'; Value = 'a..b'; ErrorId = 'InvalidRouteBackend' }
        @{ Kind = 'Backend'; Value = 'evil.example/x'; ErrorId = 'InvalidRouteBackend' }
        @{ Kind = 'Backend'; Value = "b$([char]0x00FC)cher.example"; ErrorId = 'InvalidRouteBackend' }
        @{ Kind = 'Backend'; Value = "ex$([char]0x0430)mple.com"; ErrorId = 'InvalidRouteBackend' }   # Cyrillic а
        @{ Kind = 'Backend'; Value = $longHost; ErrorId = 'InvalidRouteBackend'; Needle = 'h' * 50 }
        @{ Kind = 'Backend'; Value = ''; ErrorId = 'InvalidRouteBackend'; Needle = $null }
        # ports
        @{ Kind = 'Port'; Value = 0; ErrorId = 'InvalidRoutePort'; Needle = '10.9.8.7:0' }
        @{ Kind = 'Port'; Value = -1; ErrorId = 'InvalidRoutePort'; Needle = '10.9.8.7:-1' }
        @{ Kind = 'Port'; Value = 65536; ErrorId = 'InvalidRoutePort'; Needle = '65536' }
        @{ Kind = 'Port'; Value = 99999; ErrorId = 'InvalidRoutePort'; Needle = '99999' }
        # the other fields a route carries into the config
        @{ Kind = 'ServerName'; Value = 'evil.example; return 200'; ErrorId = 'InvalidServerName'; Needle = 'evil' }
        @{ Kind = 'ServerName'; Value = 'x{'; ErrorId = 'InvalidServerName' }
        @{ Kind = 'ServerName'; Value = '*.'; ErrorId = 'InvalidServerName'; Needle = 'server_name *.' }
        @{ Kind = 'Service'; Value = "svc`n    location /evil/ {"; ErrorId = 'InvalidRouteService'; Needle = '/evil/' }
        @{ Kind = 'Service'; Value = 'Evil Svc'; ErrorId = 'InvalidRouteService' }
        @{ Kind = 'Service'; Value = 's' * 64; ErrorId = 'InvalidRouteService' }
        @{ Kind = 'Namespace'; Value = 'ns}'; ErrorId = 'InvalidRouteNamespace' }
        @{ Kind = 'Namespace'; Value = "ns`n}"; ErrorId = 'InvalidRouteNamespace' }
        # a second, different route on the good route's location
        @{ Kind = 'Duplicate'; Value = '/good/'; ErrorId = 'DuplicateRoutePath'; Needle = '192.0.2.1' }
        # the path nginx answers itself
        @{ Kind = 'Path'; Value = '/healthz'; ErrorId = 'InvalidRoutePath'; Needle = 'location /healthz/' }
        @{ Kind = 'Path'; Value = '/healthz/deep'; ErrorId = 'InvalidRoutePath'; Needle = '/healthz/deep' }
        # a route's own settings
        @{ Kind = 'ClientMaxBodySize'; Value = '50m; include /etc/passwd'; ErrorId = 'InvalidRouteSetting'; Needle = '/etc/passwd' }
        @{ Kind = 'ClientMaxBodySize'; Value = "1m`n}`nserver { listen 127.0.0.1:18097; }"; ErrorId = 'InvalidRouteSetting'; Needle = '18097' }
        @{ Kind = 'ClientMaxBodySize'; Value = '$request_length'; ErrorId = 'InvalidRouteSetting' }
        @{ Kind = 'ProxyReadTimeout'; Value = '120s; proxy_pass http://evil.example'; ErrorId = 'InvalidRouteSetting'; Needle = 'evil.example' }
        @{ Kind = 'ProxyReadTimeout'; Value = '0'; ErrorId = 'InvalidRouteSetting'; Needle = 'proxy_read_timeout 0' }
        @{ Kind = 'ProxySendTimeout'; Value = "30s`r`n"; ErrorId = 'InvalidRouteSetting'; Needle = 'proxy_send_timeout' }
        @{ Kind = 'ProxySendTimeout'; Value = "$([char]0x0661)s"; ErrorId = 'InvalidRouteSetting'; Needle = 'proxy_send_timeout' }
    )
    foreach ($case in $corpus) {
        if (-not $case.ContainsKey('Needle')) { $case.Needle = "$($case.Value)" }
        $case.Shown = Format-Shown $case.Value
    }

    $badListen = @(
        @{ Listen = '127.0.0.1:18080; include /etc/passwd' }
        @{ Listen = '127.0.0.1:18080 ssl' }
        @{ Listen = '127.0.0.1:99999' }
        @{ Listen = 'unix:/tmp/nginx.sock' }
        @{ Listen = '[::1%eth0]:80' }
        @{ Listen = "18080`n}" }
    ) | ForEach-Object { $_.Shown = Format-Shown $_.Listen; $_ }

    $badOptions = @(
        @{ Name = 'ClientMaxBodySize'; Value = '10m; include /etc/passwd'; ErrorId = 'InvalidBodySize' }
        @{ Name = 'ClientMaxBodySize'; Value = "10m`n}"; ErrorId = 'InvalidBodySize' }
        @{ Name = 'TlsListen'; Value = '443; include /etc/passwd'; ErrorId = 'InvalidListen' }
        @{ Name = 'ErrorPageRoot'; Value = '/usr/share/nginx/html; autoindex on'; ErrorId = 'InvalidErrorPageRoot' }
        @{ Name = 'ErrorPageRoot'; Value = '/srv/../etc'; ErrorId = 'InvalidErrorPageRoot' }
        @{ Name = 'TlsCertificate'; Value = '/etc/ssl/entry.crt; include /etc/passwd'; ErrorId = 'InvalidTlsSetting' }
    ) | ForEach-Object { $_.Shown = Format-Shown $_.Value; $_ }

    $badHeaders = @(
        @{ Name = 'X-Evil'; Value = 'v"; return 200; "' }
        @{ Name = 'X-Evil'; Value = "v`n}" }
        @{ Name = 'X-Evil'; Value = 'v\' }
        @{ Name = 'X Evil'; Value = 'v' }
        @{ Name = 'X-Evil;'; Value = 'v' }
    ) | ForEach-Object { $_.Shown = "$(Format-Shown $_.Name)=$(Format-Shown $_.Value)"; $_ }
}

BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-TestModule NginxHarness
    $nginxPath = Find-RealTool -Name nginx

    function Get-LocationCount([string] $Conf) {
        # Route locations only: the error page's "location = /50x.html" is not one.
        [regex]::Matches($Conf, '(?m)^\s*location\s+/').Count
    }

    $table = Import-PowerShellDataFile "$PSScriptRoot/NginxPathTable.psd1"
}

# Both layouts serve the same table: the maps one must answer every request as the locations one does.
Describe 'Routes rendered by New-NginxConf in the <Layout> layout, served by a real nginx' -Tag 'Nginx', 'Real' -Skip:(-not $nginx) -ForEach @(
    @{ Layout = 'Locations' }
    @{ Layout = 'Maps' }
) {
    BeforeAll {
        $backends = @(Start-EchoBackend -Name volume, api, apiv2, root, legacy, volumenext)
        $port = @{}
        foreach ($b in $backends) { $port[$b.Name] = $b.Port }
    }

    AfterAll {
        if ($backends) { $backends | Stop-EchoBackend }
    }

    Context 'routes /volume, /api/, /api/v2, / and /legacy (StripPrefix off)' {
        BeforeAll {
            # /legacy goes first: its StripPrefix=false must not stick to the routes piped after it.
            $routes = @(ConvertTo-EchoRoute $table.Main.Routes $port)
            $listenPort = Get-FreeTcpPort
            $conf = $routes | New-NginxConf -Listen "127.0.0.1:$listenPort" -Layout $Layout -ErrorAction Stop
            $server = Start-NginxServer -Config $conf -NginxPath $nginxPath
        }

        AfterAll {
            if ($server) { Stop-NginxServer $server }
        }

        It 'renders one location per route, each ending in /, or in the maps layout one map entry per route and one location /' {
            if ($Layout -eq 'Locations') {
                Get-LocationCount $conf | Should -Be 5
                foreach ($location in '/legacy/', '/volume/', '/api/', '/api/v2/', '/') {
                    $conf | Should -Match ([regex]::Escape("location $location {"))
                }
                $conf | Should -Match ([regex]::Escape("proxy_pass http://127.0.0.1:$($port.legacy);"))
                $conf | Should -Match ([regex]::Escape("proxy_pass http://127.0.0.1:$($port.volume)/;"))
            } else {
                Get-LocationCount $conf | Should -Be 1
                $conf | Should -Match ([regex]::Escape('"_/legacy/" "_/legacy/=p127.0.0.1:' + $port.legacy + '";'))
                $conf | Should -Match ([regex]::Escape('"_/volume/" "_/volume/=s127.0.0.1:' + $port.volume + '"; # storage/volume'))
                $conf | Should -Match ([regex]::Escape('"_/api/v2/" "_/api/v2/=s127.0.0.1:' + $port.apiv2 + '";'))
                $conf | Should -Match ([regex]::Escape('"_/" "P_/=s127.0.0.1:' + $port.root + '";'))
            }
            $conf | Should -Match 'absolute_redirect off;'
        }

        It 'passes Test-NginxConf' {
            $result = Test-NginxConf -Text $conf -NginxPath $nginxPath
            $result.Valid | Should -BeTrue -Because ($result.Messages | Out-String)
        }

        It '<Request> reaches <Backend> as <Expected>' -ForEach $table.Main.Proxied {
            $response = Invoke-RawHttp -Port $server.Port -Path $Request
            $response.StatusCode | Should -Be 200 -Because $response.Raw
            $response.Body | Should -BeExactly "$Backend GET $Expected HTTP/1.1"
        }

        It '<Request> answers 301 with Location <Location>' -ForEach $table.Main.Redirects {
            $response = Invoke-RawHttp -Port $server.Port -Path $Request -HostHeader $HostHeader
            $response.StatusCode | Should -Be 301 -Because $response.Raw
            $response.Location | Should -BeExactly $Location
        }

        It 'serves 60 concurrent requests, each from the right backend' {
            $client = [Net.Http.HttpClient]::new()
            try {
                $requests = foreach ($i in 1..60) {
                    $name = @('volume', 'api', 'apiv2')[$i % 3]
                    $path = @{ volume = "/volume/c$i"; api = "/api/c$i"; apiv2 = "/api/v2/c$i" }[$name]
                    [pscustomobject]@{ Expected = "$name GET /c$i HTTP/1.1"; Task = $client.GetStringAsync("http://127.0.0.1:$($server.Port)$path") }
                }
                [Threading.Tasks.Task]::WaitAll([Threading.Tasks.Task[]]@($requests.Task), [TimeSpan]::FromSeconds(30)) | Should -BeTrue
                foreach ($r in $requests) { $r.Task.Result | Should -BeExactly $r.Expected }
            } finally {
                $client.Dispose()
            }
        }
    }

    Context 'without a / route' {
        BeforeAll {
            $routes = @(ConvertTo-EchoRoute $table.NoRoot.Routes $port)
            $server = Start-RouteServer -Routes $routes -NginxPath $nginxPath -Layout $Layout
        }

        AfterAll {
            if ($server) { Stop-NginxServer $server }
        }

        It '<Request> answers 404 and reaches no backend' -ForEach $table.NoRoot.NotFound {
            $response = Invoke-RawHttp -Port $server.Port -Path $Request
            $response.StatusCode | Should -Be 404
            $response.Headers.Contains('X-Echo-Backend') | Should -BeFalse
        }

        It '<Request> still reaches <Backend> as <Expected>' -ForEach $table.NoRoot.Proxied {
            (Invoke-RawHttp -Port $server.Port -Path $Request).Body | Should -BeExactly "$Backend GET $Expected HTTP/1.1"
        }
    }

    Context 'the naive "location /volume" form, which NginxKit does not render' {
        BeforeAll {
            # What a template writing "location {{.Path}}" with proxy_pass http://IP:PORT/ produces.
            $listenPort = Get-FreeTcpPort
            $naive = @"
server {
    listen 127.0.0.1:$listenPort;
    location /volume {
        proxy_pass http://127.0.0.1:$($port.volume)/;
    }
}
"@
            $server = Start-NginxServer -Config $naive -NginxPath $nginxPath
        }

        AfterAll {
            if ($server) { Stop-NginxServer $server }
        }

        It '<Request> reaches <Backend> as <Expected>: <Why>' -ForEach @(
            @{ Request = '/volume/api/v1/pools'; Backend = 'volume'; Expected = '//api/v1/pools'; Why = 'a double slash upstream' }
            @{ Request = '/volumeX/a'; Backend = 'volume'; Expected = '/X/a'; Why = 'another path captured, and mangled' }
            @{ Request = '/volume'; Backend = 'volume'; Expected = '/'; Why = 'no redirect, so relative links break' }
        ) {
            $response = Invoke-RawHttp -Port $server.Port -Path $Request
            $response.StatusCode | Should -Be 200
            $response.Body | Should -BeExactly "$Backend GET $Expected HTTP/1.0"
        }

        It 'New-NginxConf renders /volume as "location /volume/" instead' {
            $conf = [pscustomobject]@{ Path = '/volume'; Backend = '127.0.0.1'; Port = $port.volume } | New-NginxConf -Listen '127.0.0.1:18080'
            $conf | Should -Match ([regex]::Escape('location /volume/ {'))
            $conf | Should -Not -Match 'location /volume \{'
        }
    }

    Context 'routes on their own server_name' {
        BeforeAll {
            $routes = @(ConvertTo-EchoRoute $table.ServerNames.Routes $port)
            $server = Start-RouteServer -Routes $routes -NginxPath $nginxPath -Layout $Layout
        }

        AfterAll {
            if ($server) { Stop-NginxServer $server }
        }

        It 'Host <HostHeader> <Request> answers <Status> <Body>' -ForEach $table.ServerNames.Requests {
            $response = Invoke-RawHttp -Port $server.Port -Path $Request -HostHeader $HostHeader
            $response.StatusCode | Should -Be $Status
            if ($Status -eq 200) { $response.Body | Should -BeExactly $Body }
        }
    }

    Context 'reload after New-NginxConf -OutFile' {
        BeforeAll {
            $listen = "127.0.0.1:$(Get-FreeTcpPort)"
            function Get-Routes([int] $VolumePort) {
                [pscustomobject]@{ Path = '/volume'; Backend = '127.0.0.1'; Port = $VolumePort }
                [pscustomobject]@{ Path = '/api/'; Backend = '127.0.0.1'; Port = $port.api }
            }
            $server = Start-NginxServer -Config (Get-Routes $port.volume | New-NginxConf -Listen $listen -Layout $Layout -ErrorAction Stop) -NginxPath $nginxPath
        }

        AfterAll {
            if ($server) { Stop-NginxServer $server }
        }

        It 'serves the first config' {
            (Invoke-RawHttp -Port $server.Port -Path '/volume/a').Body | Should -BeExactly 'volume GET /a HTTP/1.1'
            (Invoke-RawHttp -Port $server.Port -Path '/api/x').Body | Should -BeExactly 'api GET /x HTTP/1.1'
        }

        It 'moves /volume to another backend when its port changes, and leaves /api alone' {
            $write = Get-Routes $port.volumenext | New-NginxConf -Listen $listen -Layout $Layout -OutFile $server.ConfPath -ErrorAction Stop
            $write.Changed | Should -BeTrue
            $write.RouteCount | Should -Be 2
            Update-NginxServer -Server $server
            (Invoke-RawHttp -Port $server.Port -Path '/volume/a').Body | Should -BeExactly 'volumenext GET /a HTTP/1.1'
            (Invoke-RawHttp -Port $server.Port -Path '/api/x').Body | Should -BeExactly 'api GET /x HTTP/1.1'
        }

        It 'writes nothing when the routes are unchanged' {
            $write = Get-Routes $port.volumenext | New-NginxConf -Listen $listen -Layout $Layout -OutFile $server.ConfPath -ErrorAction Stop
            $write.Changed | Should -BeFalse
        }

        It 'moves back on the next change' {
            $null = Get-Routes $port.volume | New-NginxConf -Listen $listen -Layout $Layout -OutFile $server.ConfPath -ErrorAction Stop
            Update-NginxServer -Server $server
            (Invoke-RawHttp -Port $server.Port -Path '/volume/a').Body | Should -BeExactly 'volume GET /a HTTP/1.1'
        }
    }
}

Describe 'New-NginxConf refuses hostile routes' -Tag 'Nginx', 'Real', 'Security' -Skip:(-not $nginx) {
    BeforeAll {
        $goodRoute = [pscustomobject]@{ Path = '/good'; Backend = '127.0.0.1'; Port = 8080 }

        function New-HostileRoute([string] $Kind, $Value) {
            # A route marked with 10.9.8.7, :9999 or /bad-, carrying $Value in the field $Kind names.
            $route = [ordered]@{ Path = "/bad-$($Kind.ToLowerInvariant())"; Backend = '10.9.8.7'; Port = 9999 }
            switch ($Kind) {
                'Path' { $route.Path = $Value }
                'Backend' { $route.Backend = $Value }
                'Port' { $route.Port = $Value }
                'ServerName' { $route.ServerName = $Value }
                'Service' { $route.Service = $Value }
                'Namespace' { $route.Service = 'svc'; $route.Namespace = $Value }
                'Duplicate' { $route.Path = $Value; $route.Backend = '192.0.2.1' }
                default { $route[$Kind] = $Value } # a route's own setting
            }
            [pscustomobject]$route
        }

        function Assert-OnlyGoodRoute([string] $Conf) {
            $Conf | Should -Match ([regex]::Escape('location /good/ {'))
            $Conf | Should -Match ([regex]::Escape('proxy_pass http://127.0.0.1:8080/;'))
            Get-LocationCount $Conf | Should -Be 1
            [regex]::Matches($Conf, 'proxy_pass').Count | Should -Be 1
            [regex]::Matches($Conf, '(?m)^server \{').Count | Should -Be 1
            # No trace of the refused route.
            $Conf | Should -Not -Match '10\.9\.8\.7|:9999|/bad-|192\.0\.2\.1'
        }
    }

    It 'refuses <Kind> <Shown> as <ErrorId>, and renders only the good route' -ForEach $corpus {
        $routes = @($goodRoute, (New-HostileRoute $Kind $Value))
        $conf = $routes | New-NginxConf -Listen '127.0.0.1:18080' -ErrorVariable errs -ErrorAction SilentlyContinue

        @($errs).Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike "$ErrorId*"
        # The message names the route with the value escaped: no raw control character in it.
        $errs[0].ToString() | Should -Not -Match '[\x00-\x1f]'

        $conf | Should -BeOfType [string]
        Assert-OnlyGoodRoute $conf
        if ($Needle) { $conf.Contains($Needle) | Should -BeFalse -Because "the hostile value must never be written" }

        $result = Test-NginxConf -Text $conf -NginxPath $nginxPath
        $result.Valid | Should -BeTrue -Because ($result.Messages | Out-String)
    }

    It 'refuses the whole corpus at once, one error per hostile route, through <Binding>' -ForEach @(
        @{ Binding = 'piped properties'; Corpus = $corpus }
        @{ Binding = '-Route [NginxKit.NginxRoute[]]'; Corpus = $corpus }
    ) {
        $corpus = $Corpus
        $hostile = foreach ($case in $corpus) { New-HostileRoute $case.Kind $case.Value }
        $conf = if ($Binding -eq 'piped properties') {
            @($hostile) + $goodRoute | New-NginxConf -Listen '127.0.0.1:18080' -ErrorVariable errs -ErrorAction SilentlyContinue
        } else {
            $typed = foreach ($r in @($hostile) + $goodRoute) {
                $t = [NginxKit.NginxRoute]::new()
                foreach ($p in $r.PSObject.Properties) { $t.($p.Name) = $p.Value }
                $t
            }
            New-NginxConf -Route $typed -Listen '127.0.0.1:18080' -ErrorVariable errs -ErrorAction SilentlyContinue
        }

        @($errs).Count | Should -Be $corpus.Count
        $expected = $corpus.ErrorId | Group-Object -NoElement | Sort-Object Name | ForEach-Object { "$($_.Name)=$($_.Count)" }
        $actual = $errs.FullyQualifiedErrorId | ForEach-Object { ($_ -split ',')[0] } | Group-Object -NoElement | Sort-Object Name | ForEach-Object { "$($_.Name)=$($_.Count)" }
        $actual | Should -Be $expected
        Assert-OnlyGoodRoute $conf
        foreach ($case in $corpus | Where-Object Needle) { $conf.Contains($case.Needle) | Should -BeFalse -Because "of $($case.Shown)" }
        (Test-NginxConf -Text $conf -NginxPath $nginxPath).Valid | Should -BeTrue
    }

    It 'stops on -Listen <Shown> with InvalidListen' -ForEach $badListen {
        $caught = $null
        try { $null = $goodRoute | New-NginxConf -Listen $Listen -ErrorAction Stop } catch { $caught = $_ }
        $caught | Should -Not -BeNullOrEmpty
        $caught.FullyQualifiedErrorId | Should -BeLike 'InvalidListen*'
    }

    It 'stops on -<Name> <Shown> with <ErrorId>' -ForEach $badOptions {
        $caught = $null
        $options = @{ $Name = $Value }
        try { $null = $goodRoute | New-NginxConf -Listen '127.0.0.1:18080' @options -ErrorAction Stop } catch { $caught = $_ }
        $caught | Should -Not -BeNullOrEmpty
        $caught.FullyQualifiedErrorId | Should -BeLike "$ErrorId,*"
        $caught.ToString() | Should -Not -Match '[\x00-\x1f]'
    }

    It 'refuses a route whose <Name> is <Shown> as InvalidRouteSetting, and renders the rest' -ForEach @(
        @{ Name = 'WebSocket'; Value = 'perhaps'; Shown = "'perhaps'" }
        @{ Name = 'ProxyRedirect'; Value = 'sometimes'; Shown = "'sometimes'" }
        @{ Name = 'WebSocket'; Value = [datetime]::UnixEpoch; Shown = 'a date' }
    ) {
        $bad = [ordered]@{ Path = '/bad'; Backend = '10.9.8.7'; Port = 9999 }
        $bad[$Name] = $Value
        $conf = $goodRoute, [pscustomobject]$bad | New-NginxConf -Listen '127.0.0.1:18080' -ErrorVariable errs -ErrorAction SilentlyContinue
        @($errs).Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'InvalidRouteSetting,*'
        $errs[0].ErrorDetails.RecommendedAction | Should -Match "${Name}NotBoolean"
        Assert-OnlyGoodRoute $conf
    }

    It 'stops on -ProxySetHeader <Shown> with InvalidProxyHeader' -ForEach $badHeaders {
        $caught = $null
        try { $null = $goodRoute | New-NginxConf -Listen '127.0.0.1:18080' -ProxySetHeader @{ $Name = $Value } -ErrorAction Stop } catch { $caught = $_ }
        $caught | Should -Not -BeNullOrEmpty
        $caught.FullyQualifiedErrorId | Should -BeLike 'InvalidProxyHeader*'
    }

    # nginx expands $variables inside double quotes and refuses to start on an unknown one, so a
    # header value with a lone $, an unclosed ${ or a variable nginx does not define is refused up
    # front; one nginx defines renders a config nginx accepts.
    It '-ProxySetHeader value <Shown> is refused with InvalidProxyHeader' -ForEach @(
        @{ Value = 'a$'; Shown = "'a`$'" }
        @{ Value = '${'; Shown = "'`${'" }
        @{ Value = '$no_such_variable'; Shown = "'`$no_such_variable'" }
    ) {
        $conf = $null
        $caught = $null
        try { $conf = $goodRoute | New-NginxConf -Listen '127.0.0.1:18080' -ProxySetHeader @{ 'X-Note' = $Value } -ErrorAction Stop }
        catch { $caught = $_ }
        $conf | Should -BeNullOrEmpty
        $caught | Should -Not -BeNullOrEmpty -Because 'New-NginxConf must refuse the value'
        $caught.FullyQualifiedErrorId | Should -BeLike 'InvalidProxyHeader,*'
        $caught.ToString() | Should -Match 'HeaderVariable'
    }

    It '-ProxySetHeader value <Shown> renders a config nginx accepts' -ForEach @(
        @{ Value = '${host}-$http_x_note'; Shown = "'`${host}-`$http_x_note'" }
    ) {
        $conf = $goodRoute | New-NginxConf -Listen '127.0.0.1:18080' -ProxySetHeader @{ 'X-Note' = $Value } -ErrorAction Stop
        $conf | Should -Match ([regex]::Escape("X-Note `"$Value`""))
        $result = Test-NginxConf -Text $conf -NginxPath $nginxPath -Strict
        $result.Valid | Should -BeTrue -Because "nginx -t: $($result.Errors.Message)"
    }
}

Describe '10,000 routes over 50 namespaces, served by a real nginx' -Tag 'Nginx', 'Real', 'Scale' -Skip:(-not $nginx) {
    BeforeAll {
        $backends = @(Start-EchoBackend -Name b0, b1, b2, b3, b4, b5, b6, b7)
        $port = @{}
        foreach ($b in $backends) { $port[$b.Name] = $b.Port }

        # /ns<k> for each namespace, /ns<k>/svc<i> under it, and every fifth Service with /v2 under its own path.
        # Each route's backend is known, and a stripped route's X-Forwarded-Prefix names it exactly.
        function New-Route([string] $Path, [int] $Index, [bool] $Strip = $true) {
            [pscustomobject]@{ Path = $Path; Backend = '127.0.0.1'; Port = $port["b$($Index % 8)"]; Service = "svc$Index"; Namespace = "ns$($Index % 50)"; StripPrefix = $Strip; Name = "b$($Index % 8)" }
        }
        $routes = [Collections.Generic.List[object]]::new()
        foreach ($n in 0..49) { $routes.Add((New-Route "/ns$n" (10000 + $n))) }
        for ($i = 0; $routes.Count -lt 10000; $i++) {
            $routes.Add((New-Route "/ns$($i % 50)/svc$i" $i ($i % 7 -ne 0)))
            if ($i % 5 -eq 0) { $routes.Add((New-Route "/ns$($i % 50)/svc$i/v2" ($i + 3))) }
        }
        $listen = "127.0.0.1:$(Get-FreeTcpPort)"
        $confFile = Join-Path $TestDrive 'default.conf'
        $null = $routes | New-NginxConf -Listen $listen -OutFile $confFile -ErrorAction Stop
        $server = Start-NginxServer -Config (Get-Content -LiteralPath $confFile -Raw) -NginxPath $nginxPath

        # What nginx must answer for a route's path plus a tail, by the longest prefix among $Current.
        function Test-Sample([object[]] $Current, [object[]] $Sample) {
            $byPath = @{}
            foreach ($r in $Current) { $byPath[$r.Path] = $r }
            foreach ($r in $Sample) {
                $request = "$($r.Path)/x/y?q=1"
                $expected = $null
                for ($p = $r.Path; $p; $p = $p.Substring(0, [Math]::Max(0, $p.LastIndexOf('/')))) {
                    if ($byPath.ContainsKey($p)) { $expected = $byPath[$p]; break }
                }
                $response = Invoke-RawHttp -Port $server.Port -Path $request
                if (-not $expected) {
                    if ($response.StatusCode -ne 404) { "$request`: nginx answered $($response.StatusCode), no route claims it" }
                    continue
                }
                $uri = if ($expected.StripPrefix) { $request.Substring($expected.Path.Length) } else { $request }
                $want = "$($expected.Name) GET $uri HTTP/1.1"
                $prefix = if ($expected.StripPrefix) { $expected.Path } else { $null }
                if ($response.Body -cne $want -or $response.Headers['X-Echo-X-Forwarded-Prefix'] -cne $prefix) {
                    "$request`: expected '$want' from route $($expected.Path), got $($response.StatusCode) '$($response.Body)' with X-Forwarded-Prefix '$($response.Headers['X-Echo-X-Forwarded-Prefix'])'"
                }
                $redirect = Invoke-RawHttp -Port $server.Port -Path $expected.Path
                if ($redirect.StatusCode -ne 301 -or $redirect.Location -cne "$($expected.Path)/") { "$($expected.Path): expected 301 to $($expected.Path)/, got $($redirect.StatusCode) '$($redirect.Location)'" }
            }
        }
        $random = [Random]::new(16)
    }

    AfterAll {
        if ($server) { Stop-NginxServer $server }
        if ($backends) { $backends | Stop-EchoBackend }
    }

    It 'renders the maps layout by itself, and nginx accepts it' {
        $conf = Get-Content -LiteralPath $confFile -Raw
        $conf | Should -Match ([regex]::Escape('"_/ns3/svc53/" "_/ns3/svc53/=s127.0.0.1:'))
        [regex]::Matches($conf, '(?m)^\s*location\s+/').Count | Should -Be 1
        (Test-NginxConf -Path $confFile -NginxPath $nginxPath -Strict).Valid | Should -BeTrue
    }

    It 'serves 300 sampled routes from the right backend' {
        $sample = 1..300 | ForEach-Object { $routes[$random.Next($routes.Count)] }
        Test-Sample $routes $sample | Should -BeNullOrEmpty
    }

    It 'serves the sample right after a series of changes: moved, removed and added routes, reloaded each time' {
        $current = [Collections.Generic.List[object]]::new($routes)
        $touched = [Collections.Generic.List[object]]::new()
        foreach ($step in 1..3) {
            foreach ($k in 1..40) {
                # Move a route to another backend.
                $at = $random.Next($current.Count)
                $moved = $current[$at].PSObject.Copy()
                $next = ([int]$moved.Name.Substring(1) + 1) % 8
                $moved.Name = "b$next"; $moved.Port = $port[$moved.Name]
                $current[$at] = $moved
                $touched.Add($moved)
            }
            foreach ($k in 1..20) {
                # Remove a route: its requests fall back to the route above it, or to none.
                $at = $random.Next($current.Count)
                $touched.Add($current[$at])
                $current.RemoveAt($at)
            }
            foreach ($k in 1..20) {
                $added = New-Route "/ns$($k % 50)/new$step-$k" (20000 + 100 * $step + $k)
                $current.Add($added)
                $touched.Add($added)
            }
            $write = $current | New-NginxConf -Listen $listen -OutFile $server.ConfPath -ErrorAction Stop
            $write.Changed | Should -BeTrue
            Update-NginxServer -Server $server
            Test-Sample $current (@($touched) + @(1..100 | ForEach-Object { $current[$random.Next($current.Count)] })) | Should -BeNullOrEmpty
        }
    }

    It 'Resolve-NginxRoute reads the 10,000-route file as nginx serves it' {
        $sample = 1..50 | ForEach-Object { $routes[$random.Next($routes.Count)] }
        foreach ($r in $sample) {
            $answer = Resolve-NginxRoute -Url "http://localhost:$($server.Port)$($r.Path)/x" -ConfigFile $server.ConfPath -ErrorAction Stop
            $response = Invoke-RawHttp -Port $server.Port -Path "$($r.Path)/x"
            if ($answer.Status -eq 'Proxied') {
                $response.Headers['X-Echo-Backend'] | Should -BeExactly ($port.GetEnumerator() | Where-Object Value -EQ ([int]($answer.Backend -replace '^.*:')) | ForEach-Object Key)
                $response.Body | Should -BeExactly "$($response.Headers['X-Echo-Backend']) GET $($answer.BackendUri) HTTP/1.1"
            } else {
                "$($response.StatusCode)" | Should -Be $answer.Status
            }
        }
    }
}
