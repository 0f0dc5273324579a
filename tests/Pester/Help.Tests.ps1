<#
    Checks the help of the built module as a user sees it, through Get-Help, after a plain
    Import-Module (no Update-Help), and checks the markdown sources with Test-HelpMarkdown.

    Environment: as TestHelpers.psm1 lists it.
#>

BeforeDiscovery {
    if (-not $env:NGINXKIT_MODULE_PATH) {
        throw 'Set NGINXKIT_MODULE_PATH to the absolute path of the built module manifest.'
    }
    # Discovery needs the cmdlets to generate one named test per cmdlet and parameter.
    $module = Import-Module $env:NGINXKIT_MODULE_PATH -PassThru -ErrorAction Stop
    $commonParameters = [System.Management.Automation.Cmdlet]::CommonParameters

    $commandCases = @(
        foreach ($command in ($module.ExportedCmdlets.Values | Sort-Object Name)) {
            @{
                Name       = $command.Name
                # Common and DontShow parameters have no help of their own; WhatIf and Confirm do.
                Parameters = @(
                    $command.Parameters.Values |
                        Where-Object {
                            -not $commonParameters.Contains($_.Name) -and
                            ($_.Attributes | Where-Object { $_ -is [Parameter] -and -not $_.DontShow })
                        } |
                        ForEach-Object { @{ Parameter = $_.Name } }
                )
            }
        }
    )
}

BeforeAll {
    $module = Import-Module $env:NGINXKIT_MODULE_PATH -PassThru -ErrorAction Stop
    $moduleName = $module.Name
    $repoRoot = if ($env:NGINXKIT_REPO_ROOT) { $env:NGINXKIT_REPO_ROOT } else { Join-Path $PSScriptRoot '../..' }

    function Get-HelpText {
        # Help text objects are { Text } records, strings or nothing; flattens them to one string.
        param($Value)
        (@($Value | ForEach-Object { if ($_ -is [string]) { $_ } elseif ($_) { $_.Text } }) -join "`n").Trim()
    }
}

Describe 'Module help' -Tag 'Help' {
    It 'the module exports cmdlets to check' {
        $module.ExportedCmdlets.Count | Should -BeGreaterThan 0
    }

    It 'ships compiled help without the help builder or Markdig' {
        $moduleDir = Split-Path $env:NGINXKIT_MODULE_PATH
        Get-ChildItem $moduleDir -Recurse -File | ForEach-Object Name | Where-Object { $_ -match 'Markdig|HelpBuilder|commands\.json' } | Should -BeNullOrEmpty
        Join-Path $moduleDir "en-US/$moduleName.dll-Help.xml" | Should -Exist
    }

    It 'has an about topic' {
        $about = Get-Help "about_$moduleName" -ErrorAction Stop | Out-String
        $about | Should -Match ([regex]::Escape("about_$moduleName"))
    }

    Context '<Name>' -ForEach $commandCases {
        BeforeAll {
            $help = Get-Help $Name -Full -ErrorAction Stop
        }

        It '<Name> has a synopsis' {
            $synopsis = Get-HelpText $help.Synopsis
            $synopsis | Should -Not -BeNullOrEmpty
            # Without help XML, Get-Help makes the synopsis from the syntax lines.
            $synopsis | Should -Not -Match "^$([regex]::Escape($Name))(\s|$)" -Because 'the synopsis must not be the auto-generated syntax stub'
        }

        It '<Name> has a description' {
            Get-HelpText $help.Description | Should -Not -BeNullOrEmpty
        }

        It '<Name> has an example with code' {
            $examples = @($help.Examples.Example | Where-Object { $_ -and (Get-HelpText $_.Code) })
            $examples.Count | Should -BeGreaterThan 0
        }

        It '<Name> describes -<Parameter>' -ForEach $Parameters {
            $parameterHelp = @($help.Parameters.Parameter | Where-Object { $_ -and $_.Name -eq $Parameter })
            $parameterHelp.Count | Should -Be 1 -Because "Get-Help $Name -Full should list -$Parameter"
            Get-HelpText $parameterHelp[0].Description | Should -Not -BeNullOrEmpty -Because "docs/$Name.md needs a described '### -$Parameter' section"
        }
    }
}

Describe 'Help markdown' -Tag 'Help' {
    BeforeAll {
        Import-Module (Join-Path $repoRoot 'src/Help/HelpChecker.psm1') -Force -ErrorAction Stop
        $helpBuilder = if ($env:NGINXKIT_HELP_BUILDER) { $env:NGINXKIT_HELP_BUILDER } else { Join-Path $repoRoot 'out/HelpBuilder/NginxKit.HelpBuilder.dll' }
    }

    It 'docs/ covers every exported cmdlet completely' {
        $problems = @(Test-HelpMarkdown -DocsPath (Join-Path $repoRoot 'docs') -ModuleName $moduleName -HelpBuilderPath $helpBuilder)
        $report = ($problems | ForEach-Object { "$($_.Command): $($_.Problem)" }) -join [Environment]::NewLine
        $problems.Count | Should -Be 0 -Because "Test-HelpMarkdown found:$([Environment]::NewLine)$report$([Environment]::NewLine)"
    }

    It 'reports each gap between a broken copy of docs/ and the cmdlets, and a page it cannot read by file and line' {
        $docs = Join-Path $TestDrive 'docs'
        Copy-Item (Join-Path $repoRoot 'docs') $docs -Recurse
        $version = Join-Path $docs 'Get-DockerVersion.md'
        (Get-Content $version -Raw) -replace '(?m)^# Get-DockerVersion$', '# Get-DockerVersions' -replace '(?m)^### -DockerPath$', '### -DockerBinary' -replace
        '(?m)^### CommonParameters$', "### -Verbose`nShows more.`n`n### CommonParameters" | Set-Content $version -NoNewline
        $service = Join-Path $docs 'Get-DockerService.md'
        Add-Content $service "`n``````powershell`nGet-DockerService"
        $fenceLine = (Select-String -LiteralPath $service -SimpleMatch '```powershell' | Select-Object -Last 1).LineNumber
        Copy-Item $version (Join-Path $docs 'Get-DockerVolume.md')
        Remove-Item (Join-Path $docs 'Test-DockerEngine.md'), (Join-Path $docs "about_$moduleName.md")

        $problems = @(Test-HelpMarkdown -DocsPath $docs -ModuleName $moduleName -HelpBuilderPath $helpBuilder | ForEach-Object { "$($_.Command): $($_.Problem)" })

        $problems | Should -Be @(
            "Get-DockerService: ${service}:${fenceLine}: the code block opened here with '``````' is never closed"
            "Get-DockerVersion: Page title is 'Get-DockerVersions', expected '# Get-DockerVersion'."
            "Get-DockerVersion: Parameter -DockerPath has no '### -DockerPath' section."
            'Get-DockerVersion: Documented parameter -DockerBinary does not exist on the cmdlet.'
            'Get-DockerVersion: Documented parameter -Verbose is a common or hidden parameter and gets no section of its own.'
            "Test-DockerEngine: Missing help page 'Test-DockerEngine.md'."
            "Get-DockerVolume: Page 'Get-DockerVolume.md' documents a command that $moduleName does not export."
            "about_${moduleName}: Missing about topic page 'about_$moduleName.md'."
        )
    }
}
