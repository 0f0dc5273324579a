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

# Get-NginxRoute -Path on manifest files (what it reads, says, filters and refuses) is tested in-process:
# tests/NginxKit.Cmdlets.Tests/GetNginxRouteFileTests.cs. Here, files hostile to the reader itself.
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
