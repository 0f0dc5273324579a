# The module frame: manifest, import, load-context isolation, packaging.
BeforeDiscovery {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    $nginx = Find-RealTool -Name nginx
    # Hiding nginx from the demo takes a private mount namespace, which takes root.
    $isRoot = [Environment]::IsPrivilegedProcess
}

BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    $modulePath = Get-NginxKitModulePath
    $manifest = Import-PowerShellDataFile $modulePath
    $packages = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path $HOME '.nuget/packages' }
    $oldYaml = Join-Path $packages 'yamldotnet/11.2.1/lib/netstandard2.1/YamlDotNet.dll'
    $example = Join-Path (Get-RepoRoot) 'examples/services.yaml'
}

# The manifest's exports, editions, format and types files, PSData and the Dependencies/ layout are
# checked in-process (tests/NginxKit.Cmdlets.Tests, ModuleManifestTests). The version folder is out/'s
# own, which that project copies without its name, so it is checked here.
Describe 'The module manifest' -Tag 'Module' {
    It 'is built into a folder named after its one version, which stamps the assemblies too' {
        Split-Path (Split-Path $modulePath) -Leaf | Should -Be $manifest.ModuleVersion
        $dll = Join-Path (Split-Path $modulePath) 'NginxKit.dll'
        [Reflection.AssemblyName]::GetAssemblyName($dll).Version.ToString(3) | Should -Be $manifest.ModuleVersion
    }
}

Describe 'Import-Module' -Tag 'Module' {
    It 'imports the built module and exports exactly the manifest''s cmdlets' {
        $r = Invoke-FreshPwsh "Import-Module '$modulePath' -ErrorAction Stop; (Get-Command -Module NginxKit).Name | Sort-Object"
        $r.ExitCode | Should -Be 0 -Because ($r.Output -join "`n")
        $r.Output | Should -Be ($manifest.CmdletsToExport | Sort-Object)
    }

    It 'loads the engine in its own load context, not the default one' {
        $r = Invoke-FreshPwsh @"
Import-Module '$modulePath' -ErrorAction Stop
Get-NginxRoute -Path '$example' -WarningAction SilentlyContinue | Out-Null
[AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -in 'NginxKit', 'NginxKit.Engine', 'YamlDotNet', 'KubernetesClient' } |
    ForEach-Object { '{0}={1}' -f `$_.GetName().Name, [Runtime.Loader.AssemblyLoadContext]::GetLoadContext(`$_).Name } | Sort-Object
"@
        $r.Output | Should -Be @('KubernetesClient=NginxKit', 'NginxKit.Engine=NginxKit', 'NginxKit=Default', 'YamlDotNet=NginxKit')
    }
}

Describe 'A session that already loaded another YamlDotNet' -Tag 'Module', 'Isolation' {
    BeforeAll {
        $oldYaml | Should -Exist -Because 'tests/Dependencies restores YamlDotNet 11.2.1'
    }

    It 'imports NginxKit after YamlDotNet 11.2.1, and both work in the same session' {
        $r = Invoke-FreshPwsh @"
`$ErrorActionPreference = 'Stop'
Add-Type -Path '$oldYaml'
`$before = (New-Object YamlDotNet.Serialization.Deserializer).Deserialize[object]('a: 1')['a']
Import-Module '$modulePath'
`$routes = @(Get-NginxRoute -Path '$example' -WarningAction SilentlyContinue)
`$after = (New-Object YamlDotNet.Serialization.Deserializer).Deserialize[object]('b: 2')['b']
"old=`$before,`$after"
"routes=`$(`$routes.Count)"
[AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -eq 'YamlDotNet' } |
    ForEach-Object { 'yaml={0}@{1}' -f `$_.GetName().Version, [Runtime.Loader.AssemblyLoadContext]::GetLoadContext(`$_).Name } | Sort-Object
"@
        $r.ExitCode | Should -Be 0 -Because ($r.Output -join "`n")
        $r.Output | Should -Contain 'old=1,2'
        $r.Output | Should -Contain 'routes=5'
        $r.Output | Should -Contain 'yaml=11.0.0.0@Default'
        $r.Output | Should -Contain 'yaml=18.0.0.0@NginxKit'
    }

    It 'lets the older YamlDotNet load after NginxKit has used its own' {
        $r = Invoke-FreshPwsh @"
`$ErrorActionPreference = 'Stop'
Import-Module '$modulePath'
`$routes = @(Get-NginxRoute -Path '$example' -WarningAction SilentlyContinue)
Add-Type -Path '$oldYaml'
`$v = (New-Object YamlDotNet.Serialization.Deserializer).Deserialize[object]('a: 3')['a']
"routes=`$(`$routes.Count) old=`$v"
"@
        $r.ExitCode | Should -Be 0 -Because ($r.Output -join "`n")
        $r.Output | Should -Contain 'routes=5 old=3'
    }

    It 'names its public route type for scripts: [NginxKit.NginxRoute]' {
        $r = Invoke-FreshPwsh @"
Import-Module '$modulePath' -ErrorAction Stop
`$route = [NginxKit.NginxRoute]@{ Path = '/a'; Backend = '10.0.0.1'; Port = 80 }
`$route.GetType().FullName + ' ' + `$route.StripPrefix
"@
        $r.Output | Should -Be 'NginxKit.NginxRoute True'
    }
}

Describe 'The package' -Tag 'Module', 'Package' {
    BeforeAll {
        $packageDir = Join-Path (Get-RepoRoot) 'out/packages'
        $nupkg = Join-Path $packageDir "NginxKit.$($manifest.ModuleVersion).nupkg"
    }

    It 'is a nupkg that Save-PSResource takes from a folder repository, and the saved module works' {
        $nupkg | Should -Exist -Because 'build.ps1 Test packages the module first'
        $target = New-TestDirectory
        try {
            $r = Invoke-FreshPwsh @"
`$ErrorActionPreference = 'Stop'
`$name = 'NginxKitTest' + [guid]::NewGuid().ToString('N')
Register-PSResourceRepository -Name `$name -Uri '$packageDir' -Trusted
try {
    Save-PSResource -Name NginxKit -Repository `$name -Path '$target' -TrustRepository -Quiet
} finally { Unregister-PSResourceRepository -Name `$name }
Import-Module (Join-Path '$target' 'NginxKit')
(Get-Module NginxKit).Version.ToString()
(Get-NginxRoute -Path '$example' -WarningAction SilentlyContinue | New-NginxConf) -match 'location /volume/ \{' | Select-Object -First 1
"@
            $r.ExitCode | Should -Be 0 -Because ($r.Output -join "`n")
            $r.Output[0] | Should -Be $manifest.ModuleVersion
            $r.Output | Should -Contain 'True'
            Join-Path $target "NginxKit/$($manifest.ModuleVersion)/Dependencies/NginxKit.Engine.dll" | Should -Exist
        }
        finally { Remove-Item $target -Recurse -Force -ErrorAction Ignore }
    }
}

Describe 'build.ps1 Install' -Tag 'Module', 'Package' {
    It 'puts the built module into the user''s module path, so a new session imports NginxKit by name' {
        $home_ = New-TestDirectory
        $savedHome, $savedXdg = $env:HOME, $env:XDG_DATA_HOME
        try {
            # A user of its own: pwsh puts $HOME/.local/share/powershell/Modules first on PSModulePath.
            $env:HOME = $home_
            Remove-Item Env:XDG_DATA_HOME -ErrorAction Ignore
            $install = Invoke-FreshPwsh "& '$(Join-Path (Get-RepoRoot) 'build.ps1')' Install"
            $install.ExitCode | Should -Be 0 -Because ($install.Output -join "`n")
            $r = Invoke-FreshPwsh @"
`$ErrorActionPreference = 'Stop'
Import-Module NginxKit
(Get-Module NginxKit).ModuleBase
(Get-NginxRoute -Path '$example' -WarningAction SilentlyContinue | Measure-Object).Count
"@
            $r.ExitCode | Should -Be 0 -Because ($r.Output -join "`n")
            $r.Output[0] | Should -Be (Join-Path $home_ ".local/share/powershell/Modules/NginxKit/$($manifest.ModuleVersion)")
            [int]$r.Output[1] | Should -BeGreaterThan 0
        }
        finally {
            $env:HOME = $savedHome
            if ($null -ne $savedXdg) { $env:XDG_DATA_HOME = $savedXdg }
            Remove-Item $home_ -Recurse -Force -ErrorAction Ignore
        }
    }
}

Describe 'build.ps1 Demo' -Tag 'Module', 'Demo' {
    BeforeAll {
        $repo = Get-RepoRoot
        $nginxPath = Find-RealTool -Name nginx
        # The demo's lines without colour, however the host renders them.
        function Get-DemoLines([object[]] $Output) { @($Output | ForEach-Object { "$_" -replace '\x1b\[[0-9;]*m' }) }
        # The index of the first line matching $Pattern at or after $From; -1 when none does.
        function Find-Line([string[]] $Lines, [string] $Pattern, [int] $From = 0) {
            for ($i = $From; $i -lt $Lines.Count; $i++) { if ($Lines[$i] -match $Pattern) { return $i } }
            -1
        }
    }

    It 'runs where nginx is missing: labels the stand-ins, says what it skipped and how to get nginx, and shows the new route arrive in the file' -Skip:(-not $isRoot) {
        $pwsh = (Get-PwshCommand | ForEach-Object { "'$_'" }) -join ' '
        # nginx hidden in a private mount namespace, as on a machine where it was never installed.
        $hide = if ($nginxPath) { "mount --bind /dev/null '$nginxPath' && " } else { '' }
        $output = & unshare -m bash -c "$hide cd '$repo' && NO_COLOR=1 $pwsh -NoProfile -File ./build.ps1 Demo" 2>&1
        $exit = $LASTEXITCODE
        $lines = Get-DemoLines $output
        $text = $lines -join "`n"
        $exit | Should -Be 0 -Because $text
        $text | Should -Match '\[stand-in\] fake API server \(tests/Fixtures/FakeKubeApi'
        $text | Should -Match '\[stand-in\] echo backend \(tests/Fixtures/EchoBackend\)'
        $text | Should -Match '\[stand-in\] .*rewrote the 5 opted-in Services .*clusterIP 127\.0\.0\.1'
        $text | Should -Match '\[skipped\] nginx -t: nginx is not installed'
        $text | Should -Match '\[skipped\] nginx: not installed .*apt-get install nginx-light.*build\.ps1 Test" as root'
        $text | Should -Not -Match '\[real\] nginx \d'
        # The first sync writes the example's routes; the new Service's route arrives after the change.
        $first = Find-Line $lines '\[real\] Sync-NginxConf: trigger list, 5 routes, written True'
        $change = Find-Line $lines '\[change\] a new Service, demo/hello'
        $first | Should -BeGreaterThan -1 -Because $text
        $change | Should -BeGreaterThan $first -Because $text
        Find-Line $lines 'location /hello/ \{' -From 0 | Should -BeGreaterThan $change -Because 'the file gains the route only after the change'
        $added = Find-Line $lines '\[real\] Sync-NginxConf: trigger Added, 6 routes, written True, .*added _/hello/' -From $change
        $added | Should -BeGreaterThan $change -Because $text
        $block = Find-Line $lines '^\s*# demo/hello$' -From $added
        $block | Should -BeGreaterThan $added -Because $text
        $lines[$block + 1].Trim() | Should -Be 'location /hello/ {'
        $lines[$block + 2].Trim() | Should -Match '^proxy_pass http://127\.0\.0\.1:\d+/;$'
        $text | Should -Match 'Live part: \d+\.\d s'
    }

    It 'serves through a local nginx: a request reaches the echo backend before the change, and the new route after it' -Tag 'Nginx', 'Real' -Skip:(-not $nginx) {
        $r = Invoke-FreshPwsh "& '$repo/examples/Demo.ps1' -ModulePath '$(Get-NginxKitModulePath)'"
        $lines = Get-DemoLines $r.Output
        $text = $lines -join "`n"
        $r.ExitCode | Should -Be 0 -Because $text
        $text | Should -Match '\[real\] nginx \d+\.\d+\.\d+ \(.+\) on 127\.0\.0\.1:\d+, unprivileged, in its own prefix'
        $text | Should -Not -Match '\[skipped\]'
        $change = Find-Line $lines '\[change\] a new Service, demo/hello'
        $change | Should -BeGreaterThan 0 -Because $text
        $before = Find-Line $lines '\[real\] GET http://127\.0\.0\.1:\d+/volume/api/v1/pools through nginx: 200'
        $before | Should -BeIn (1..($change - 1)) -Because $text
        $lines[$before + 1] | Should -Match '\[stand-in\]\s+answered by the echo backend: volume\.storage GET /api/v1/pools HTTP/1\.1$'
        $after = Find-Line $lines '\[real\] GET http://127\.0\.0\.1:\d+/hello/ through nginx: 200' -From $change
        $after | Should -BeGreaterThan $change -Because $text
        $lines[$after + 1] | Should -Match '\[stand-in\]\s+answered by the echo backend: hello\.demo GET / HTTP/1\.1$'
        # Everything it started is gone: nginx's prefix among it.
        $prefix = [regex]::Match($text, 'in its own prefix (\S+)').Groups[1].Value
        $prefix | Should -Not -BeNullOrEmpty
        Test-Path -LiteralPath $prefix | Should -BeFalse
        $text | Should -Match 'Live part: \d+\.\d s'
    }
}
