# New-NginxConf and Test-NginxConf through Import-Module: binding, errors, files, templates.
BeforeDiscovery {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    $nginx = Find-RealTool nginx
    $xxh128sum = Find-RealTool xxh128sum
}

BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-TestModule
    $xxh128sum = Find-RealTool xxh128sum
    $example = Join-Path (Get-RepoRoot) 'examples/services.yaml'
    $routes = @(
        @{ Path = '/volume'; Backend = '10.96.12.40'; Port = 8080; Service = 'volume'; Namespace = 'storage'; StripPrefix = $true }
        @{ Path = '/api'; Backend = '10.96.30.7'; Port = 80; Service = 'api'; Namespace = 'platform'; StripPrefix = $true }
        @{ Path = '/legacy'; Backend = '10.96.31.9'; Port = 8081; Service = 'legacy'; Namespace = 'platform'; StripPrefix = $false }
    )
}

# How New-NginxConf takes routes (every input form, aliases, order, -Route and the pipeline) is tested
# in-process: tests/NginxKit.Cmdlets.Tests/NewNginxConfInputTests.cs. Here, the header against the real xxh128sum.
Describe 'New-NginxConf header hash' -Tag 'Nginx' {
    It 'writes in its header the hash xxh128sum prints for the rest of the file' -Skip:(-not $xxh128sum) {
        $dir = New-TestDirectory
        try {
            $routes | New-NginxConf -OutFile "$dir/default.conf" | Out-Null
            $bytes = [IO.File]::ReadAllBytes("$dir/default.conf")
            $firstLine = [Array]::IndexOf($bytes, [byte]10)
            [IO.File]::WriteAllBytes("$dir/body", $bytes[($firstLine + 1)..($bytes.Length - 1)])
            $printed = (& $xxh128sum "$dir/body") -split ' ' | Select-Object -First 1
            $LASTEXITCODE | Should -Be 0
            Get-Content "$dir/default.conf" -TotalCount 1 | Should -BeExactly "# nginxkit-hash: xxh128:$printed"
        }
        finally { Remove-Item $dir -Recurse -Force }
    }
}

# A route's own settings and the server-level options beside them are tested in-process:
# tests/NginxKit.Cmdlets.Tests/NewNginxConfSettingsTests.cs.
# New-NginxConf's refusals (bad routes, bad server-level options, claims on one path) are tested in-process:
# tests/NginxKit.Cmdlets.Tests/NewNginxConfErrorTests.cs.

Describe 'New-NginxConf -OutFile -WhatIf in a console' -Tag 'Nginx' {
    # The rest of -OutFile (Changed, Path, the hash, backups, NoValidRoutes, -AllowEmpty, the -WhatIf result
    # and its diff) is tested in-process: tests/NginxKit.Cmdlets.Tests/ShouldProcessTests.cs. -Template: NewNginxConfTemplateTests.cs.
    BeforeEach { $dir = New-TestDirectory; $file = Join-Path $dir 'conf.d/default.conf' }
    AfterEach { Remove-Item $dir -Recurse -Force }

    It 'tells the host what it would write, with the diff' {
        New-NginxConf -Route $routes -OutFile $file | Out-Null
        $shown = Invoke-FreshPwsh "Import-Module '$(Get-NginxKitModulePath)'; New-NginxConf -Route @{ Path = '/a'; Backend = '10.0.0.1'; Port = 80 } -OutFile '$file' -WhatIf | Out-Null"
        ($shown.Output -join "`n") | Should -Match 'What if: Write nginx config'
        ($shown.Output -join "`n") | Should -Match '\+    location /a/ \{'
    }
}

Describe 'Test-NginxConf' -Tag 'Nginx', 'Real' {
    It 'passes a rendered config' -Skip:(-not $nginx) {
        $r = New-NginxConf -Route $routes | Test-NginxConf
        $r.Valid | Should -BeTrue
        @($r.Errors).Count | Should -Be 0
        $r.ErrorCount | Should -Be 0
    }

    It 'fails a broken config and names the line' -Skip:(-not $nginx) {
        $r = Test-NginxConf -Text "server {`n    listen 80;`n    location /a } {`n}`n"
        $r.Valid | Should -BeFalse
        $e = @($r.Errors)[0]
        $e.Level | Should -Be 'emerg'
        $e.Line | Should -Be 3
        $e.File | Should -Be '<input>'
        $e.Message | Should -Match 'unexpected "}"'
        $r.ErrorCount | Should -Be @($r.Errors).Count
        $r.ErrorCount | Should -BeGreaterThan 0
        ($r | Format-Table | Out-String) | Should -Match "False\s+$($r.ErrorCount)\s+0\s+line 3: "
    }

    It 'tests files from the pipeline and reports an unreadable one' -Skip:(-not $nginx) {
        $dir = New-TestDirectory
        try {
            New-NginxConf -Route $routes -OutFile "$dir/default.conf" | Out-Null
            $r = @(Get-Item "$dir/default.conf" | Test-NginxConf)
            $r.Count | Should -Be 1
            $r[0].Valid | Should -BeTrue
            Test-NginxConf -LiteralPath "$dir/missing.conf" -ErrorVariable errs -ErrorAction SilentlyContinue
            $errs[0].FullyQualifiedErrorId | Should -BeLike 'ConfigNotReadable,*'
        }
        finally { Remove-Item $dir -Recurse -Force }
    }

    It 'runs with -Strict, failing on a warning nginx prints, reported in Warnings' -Skip:(-not $nginx) {
        $twice = "server { listen 127.0.0.1:18080; server_name dup.example; }`nserver { listen 127.0.0.1:18080; server_name dup.example; }`n"
        (Test-NginxConf -Text $twice).Valid | Should -BeTrue
        $r = Test-NginxConf -Text $twice -Strict
        $r.Valid | Should -BeFalse
        $r.WarningCount | Should -Be 1
        @($r.Warnings)[0].Level | Should -Be 'warn'
        $r.ErrorCount | Should -Be 0
    }
}

Describe 'Get-NginxRoute -Path' -Tag 'Nginx', 'Kubernetes' {
    BeforeAll { $dir = New-TestDirectory }
    AfterAll { Remove-Item $dir -Recurse -Force }

    It 'reads kubectl List output: the Services that opt in are routes, the others verbose lines, not warnings' {
        $out = @(Get-NginxRoute -Path $example -WarningVariable warns -Verbose 4>&1)
        $r = @($out | Where-Object { $_ -is [NginxKit.NginxRoute] })
        $r.Service | Should -Be @('volume', 'api', 'api-v2', 'dashboard', 'legacy')
        ($r | Where-Object Service -EQ 'api').Port | Should -Be 80
        ($r | Where-Object Service -EQ 'dashboard').Path | Should -Be '/dashboard'
        ($r | Where-Object Service -EQ 'legacy').StripPrefix | Should -BeFalse
        ($r | Where-Object Service -EQ 'api-v2').BackendProtocol | Should -Be 'https' -Because 'its port is named https'
        ($r | Where-Object Service -EQ 'volume').Created.ToString('o') | Should -Be '2023-03-10T12:00:00.0000000Z'
        $warns | Should -BeNullOrEmpty
        $verbose = @($out | Where-Object { $_ -is [Management.Automation.VerboseRecord] }).Message
        $verbose | Should -Contain 'Skipped Service monitoring/grafana: it does not opt in: give it nginxkit.io/path, or nginxkit.io/expose: "true".'
        $verbose | Should -Contain 'Skipped Service storage/postgres: it does not opt in: give it nginxkit.io/path, or nginxkit.io/expose: "true".'
        $verbose | Should -Contain 'Skipped Service kube-system/metrics-server: it is in the system namespace kube-system and does not opt in with an annotation.'
        $verbose.Count | Should -Be 5
    }

    It '-ExposeAll routes every other Service at its name, but not the system namespaces, the API server or the entry' {
        $r = @(Get-NginxRoute -Path $example -ExposeAll -Verbose 4>&1)
        $routes = @($r | Where-Object { $_ -is [NginxKit.NginxRoute] })
        $routes.Service | Should -Be @('volume', 'api', 'api-v2', 'dashboard', 'legacy', 'grafana')
        ($routes | Where-Object Service -EQ 'grafana').Path | Should -Be '/grafana'
        $verbose = @($r | Where-Object { $_ -is [Management.Automation.VerboseRecord] }).Message
        $verbose | Should -Contain 'Skipped Service default/kubernetes: it is the API server''s own Service and does not opt in with an annotation.'
        $verbose | Should -Contain 'Skipped Service nginx-entry/nginx-entry: it is the entry''s own Service (app.kubernetes.io/managed-by: nginxkit) and does not opt in with an annotation.'
        $verbose | Should -Contain 'Skipped Service kube-system/metrics-server: it is in the system namespace kube-system and does not opt in with an annotation.'
        $verbose | Should -Contain 'Skipped Service storage/postgres: it is headless (no ClusterIP).'
    }

    It 'leaves a path to the oldest Service that claims it, whatever the namespace names, with an error naming the holder' {
        # What a new user tried: five Services, and a 2026 Service in a namespace that sorts first claiming prod's /web.
        Set-Content "$dir/five.yaml" @"
apiVersion: v1
kind: List
items:
- { apiVersion: v1, kind: Service, metadata: { name: web, namespace: prod, creationTimestamp: '2020-06-01T00:00:00Z', annotations: { nginxkit.io/path: /web } }, spec: { clusterIP: 10.96.1.1, ports: [ { port: 80 } ] } }
- { apiVersion: v1, kind: Service, metadata: { name: web, namespace: aaa-scratch, creationTimestamp: '2026-01-05T00:00:00Z', annotations: { nginxkit.io/path: /web } }, spec: { clusterIP: 10.96.9.9, ports: [ { port: 80 } ] } }
- { apiVersion: v1, kind: Service, metadata: { name: metrics-server, namespace: kube-system, creationTimestamp: '2020-01-01T00:00:00Z' }, spec: { clusterIP: 10.96.0.5, ports: [ { name: https, port: 443 } ] } }
- { apiVersion: v1, kind: Service, metadata: { name: nginx-entry, namespace: nginx-entry, creationTimestamp: '2021-01-01T00:00:00Z', labels: { app.kubernetes.io/managed-by: nginxkit } }, spec: { clusterIP: 10.96.8.8, ports: [ { port: 80 } ] } }
- { apiVersion: v1, kind: Service, metadata: { name: shop, namespace: prod, creationTimestamp: '2021-01-01T00:00:00Z' }, spec: { clusterIP: 10.96.1.2, ports: [ { port: 8080 } ] } }
"@
        foreach ($exposeAll in $false, $true) {
            $r = @(Get-NginxRoute -Path "$dir/five.yaml" -ExposeAll:$exposeAll -ErrorVariable errs -ErrorAction SilentlyContinue)
            ($r | Where-Object Path -EQ '/web').Namespace | Should -Be 'prod'
            $r.Namespace | Should -Not -Contain 'aaa-scratch'
            $r.Service | Should -Not -Contain 'metrics-server'
            $r.Service | Should -Not -Contain 'nginx-entry'
            $r.Service | Should -Be @(@('web') + @(if ($exposeAll) { 'shop' }))
            $errs.Count | Should -Be 1
            $errs[0].FullyQualifiedErrorId | Should -BeLike 'DuplicateRoutePath,*'
            $errs[0].TargetObject.Namespace | Should -Be 'aaa-scratch'
            "$errs" | Should -Match ([regex]::Escape("is held by route '/web' -> 10.96.1.1:80 (prod/web), created 2020-06-01T00:00:00Z, before 2026-01-05T00:00:00Z"))
        }
        # Piped on, the holder stays the holder.
        Get-NginxRoute -Path "$dir/five.yaml" -ErrorAction SilentlyContinue | New-NginxConf | Should -Match 'proxy_pass http://10\.96\.1\.1:80/;'
    }

    It 'leaves no side door in another spelling of a held path: <Path>' -TestCases @(
        @{ Path = '/web/'; ErrorId = 'DuplicateRoutePath' }
        @{ Path = '/Web'; ErrorId = 'DuplicateRoutePath' }
        @{ Path = '/WEB/'; ErrorId = 'DuplicateRoutePath' }
        @{ Path = '//web'; ErrorId = 'InvalidRoutePath' }
        @{ Path = '/web/.'; ErrorId = 'InvalidRoutePath' }
        @{ Path = '/web/..'; ErrorId = 'InvalidRoutePath' }
        @{ Path = '/%77eb'; ErrorId = 'InvalidRoutePath' }
        @{ Path = '/web%2F'; ErrorId = 'InvalidRoutePath' }
        @{ Path = '/w%45b/'; ErrorId = 'InvalidRoutePath' }
    ) {
        $file = Join-Path $dir ("variant-" + [guid]::NewGuid().ToString('N') + '.yaml')
        # One document per Service, as kubectl apply files hold them.
        Set-Content $file @"
apiVersion: v1
kind: Service
metadata: { name: web, namespace: prod, creationTimestamp: '2020-06-01T00:00:00Z', annotations: { nginxkit.io/path: /web } }
spec: { clusterIP: 10.96.1.1, ports: [ { port: 80 } ] }
---
apiVersion: v1
kind: Service
metadata: { name: web, namespace: aaa, creationTimestamp: '2026-01-05T00:00:00Z', annotations: { nginxkit.io/path: '$Path' } }
spec: { clusterIP: 10.96.9.9, ports: [ { port: 80 } ] }
"@
        $r = @(Get-NginxRoute -Path $file -ErrorVariable errs -ErrorAction SilentlyContinue)
        $r.Namespace | Should -Be 'prod'
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike "$ErrorId,*"
        $r | New-NginxConf | Should -Not -Match '10\.96\.9\.9'
    }

    It 'filters by -Namespace and -Selector' {
        (Get-NginxRoute -Path $example -Namespace storage -WarningAction SilentlyContinue).Service | Should -Be 'volume'
        (Get-NginxRoute -Path $example -Namespace storage, monitoring -ExposeAll).Service | Should -Be @('volume', 'grafana')
        (Get-NginxRoute -Path $example -Selector 'app=api' -WarningAction SilentlyContinue).Service | Should -Be @('api', 'api-v2')
        { Get-NginxRoute -Path $example -Selector 'app in api' -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidSelector,*'
        { Get-NginxRoute -Path $example -Namespace storage, 'a/b' -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidNamespace,*'
    }

    It 'reads a directory tree of YAML and JSON manifests' {
        New-Item -ItemType Directory "$dir/tree/apps" | Out-Null
        Set-Content "$dir/tree/apps/a.yaml" "apiVersion: v1`nkind: Service`nmetadata: { name: a, namespace: x }`nspec: { clusterIP: 10.0.0.1, ports: [ { port: 80 } ] }"
        Set-Content "$dir/tree/b.json" '{"apiVersion":"v1","kind":"Service","metadata":{"name":"b","namespace":"x"},"spec":{"clusterIP":"10.0.0.2","ports":[{"port":81}]}}'
        Set-Content "$dir/tree/readme.txt" 'not a manifest'
        (Get-NginxRoute -Path "$dir/tree" -ExposeAll).Service | Should -Be @('a', 'b')
    }

    It 'writes the routes'' own settings from the annotations on its NginxRoute objects' {
        Set-Content "$dir/chat.yaml" @"
apiVersion: v1
kind: Service
metadata:
  name: chat
  namespace: x
  annotations:
    nginxkit.io/expose: "true"
    nginxkit.io/websocket: "true"
    nginxkit.io/client-max-body-size: 50m
    nginxkit.io/proxy-read-timeout: 120s
    nginxkit.io/proxy-send-timeout: "60"
    nginxkit.io/proxy-redirect: "true"
spec: { clusterIP: 10.0.0.1, ports: [ { port: 80 } ] }
"@
        $r = Get-NginxRoute -Path "$dir/chat.yaml"
        ($r.WebSocket, $r.ClientMaxBodySize, $r.ProxyReadTimeout, $r.ProxySendTimeout, $r.ProxyRedirect) | Should -Be @($true, '50m', '120s', '60', $true)
        $r | New-NginxConf | Should -BeExactly ([pscustomobject]@{ Path = '/chat'; Backend = '10.0.0.1'; Port = 80; Service = 'chat'; Namespace = 'x'
                WebSocket = $true; ClientMaxBodySize = '50m'; ProxyReadTimeout = '120s'; ProxySendTimeout = '60'; ProxyRedirect = $true } | New-NginxConf)
    }

    It 'refuses hostile annotations with the same ErrorIds as New-NginxConf and never emits them' {
        $hostile = @"
apiVersion: v1
kind: Service
metadata:
  name: evil
  namespace: x
  annotations:
    nginxkit.io/path: "/volume/ { return 200; } } server { listen 127.0.0.1:18099; location /evil/ {"
spec: { clusterIP: 10.0.0.1, ports: [ { port: 80 } ] }
---
apiVersion: v1
kind: Service
metadata: { name: ok, namespace: x, annotations: { nginxkit.io/expose: "true" } }
spec: { clusterIP: 10.0.0.2, ports: [ { port: 80 } ] }
"@
        Set-Content "$dir/hostile.yaml" $hostile
        $r = @(Get-NginxRoute -Path "$dir/hostile.yaml" -ErrorVariable errs -ErrorAction SilentlyContinue)
        $r.Service | Should -Be 'ok'
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'InvalidRoutePath,*'
        $r | New-NginxConf | Should -Not -Match 'evil|18099'
    }

    It 'reports a missing file and a file that does not parse, one error each' {
        Set-Content "$dir/broken.yaml" "kind: Service`nmetadata: [unclosed"
        Get-NginxRoute -Path "$dir/none.yaml", "$dir/broken.yaml", $example -ErrorVariable errs -ErrorAction SilentlyContinue -WarningAction SilentlyContinue |
            Measure-Object | ForEach-Object Count | Should -Be 5
        $errs.FullyQualifiedErrorId | ForEach-Object { ($_ -split ',')[0] } | Should -Be @('ManifestNotFound', 'ManifestParseError')
    }
}

Describe 'Get-NginxRoute -Path on hostile files' -Tag 'Nginx', 'Kubernetes' {
    BeforeAll {
        $dir = New-TestDirectory
        $tree = Join-Path $dir 'manifests'
        New-Item -ItemType Directory "$tree/sub" | Out-Null
        @'
apiVersion: v1
kind: Service
metadata: { name: web, namespace: prod, annotations: { nginxkit.io/path: /web } }
spec: { clusterIP: 10.0.0.7, ports: [ { port: 80 } ] }
'@ | Set-Content "$tree/good.yaml"
        # 80 KB nested 40,000 deep: building YamlDotNet's document tree from it overflows the stack.
        Set-Content "$tree/deep.yaml" ('a: ' + ('[' * 40000) + (']' * 40000))
        New-Item -ItemType SymbolicLink -Path "$tree/zero.yaml" -Target /dev/zero | Out-Null
        & mkfifo "$tree/fifo.yaml"
        New-Item -ItemType SymbolicLink -Path "$tree/sub/loop" -Target '..' | Out-Null
        New-Item -ItemType SymbolicLink -Path "$tree/dangling.yaml" -Target "$dir/nothing-here" | Out-Null
        Set-Content "$tree/surrogate.yaml" "kind: Service`nmetadata: { name: s, namespace: d, annotations: { nginxkit.io/path: `"/a\ud800b`" } }`nspec: { clusterIP: 10.0.0.9, ports: [ { port: 80 } ] }"
        # In a process of its own: before the reader was bounded, two of these files killed or hung it.
        $r = Invoke-FreshPwsh @"
Import-Module '$(Get-NginxKitModulePath)'
`$routes = @(Get-NginxRoute -Path '$tree' -ErrorVariable e -ErrorAction SilentlyContinue -WarningAction SilentlyContinue)
[pscustomobject]@{
    Routes = @(`$routes | ForEach-Object { "`$(`$_.Namespace)/`$(`$_.Service)" })
    Errors = @(`$e | ForEach-Object { [pscustomobject]@{ Id = (`$_.FullyQualifiedErrorId -split ',')[0]; File = Split-Path -Leaf `$_.TargetObject; Rule = `$_.ErrorDetails.RecommendedAction } })
} | ConvertTo-Json -Depth 4 -Compress
"@
        $result = $r.Output[-1] | ConvertFrom-Json
    }
    AfterAll { Remove-Item $dir -Recurse -Force }

    It 'survives every file, and still reads the good one, once, though a symlink loop leads back to it' {
        $r.ExitCode | Should -Be 0 -Because ($r.Output -join "`n")
        $result.Routes | Should -Be @('prod/web')
    }

    It 'refuses <File> as <Id> (<Rule>), naming the file' -ForEach @(
        @{ File = 'deep.yaml'; Id = 'ManifestParseError'; Rule = 'NestingTooDeep' }
        @{ File = 'zero.yaml'; Id = 'ManifestNotReadable'; Rule = 'NotARegularFile' }
        @{ File = 'fifo.yaml'; Id = 'ManifestNotReadable'; Rule = 'NotARegularFile' }
        @{ File = 'dangling.yaml'; Id = 'ManifestNotReadable'; Rule = 'BrokenSymlink' }
        @{ File = 'surrogate.yaml'; Id = 'ManifestParseError'; Rule = $null }
    ) {
        $e = @($result.Errors | Where-Object File -EQ $File)
        $e.Count | Should -Be 1
        $e[0].Id | Should -Be $Id
        if ($Rule) { $e[0].Rule | Should -Be "Rule broken: $Rule." }
    }

    It 'writes no error for anything else' {
        $result.Errors.File | Sort-Object | Should -Be @('dangling.yaml', 'deep.yaml', 'fifo.yaml', 'surrogate.yaml', 'zero.yaml')
    }
}
