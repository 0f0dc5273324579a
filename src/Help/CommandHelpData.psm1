#Requires -Version 7.0
<#
    The part of a cmdlet's help that code decides, read from the cmdlets of a loaded module:
    parameter types, sets, positions, pipeline input, aliases, wildcards and allowed values.
    The help builder (src/NginxKit.HelpBuilder) joins these facts with the prose of docs/*.md,
    so help cannot drift from the code. Only PowerShell knows them, which is why this is a script.
#>

Set-StrictMode -Version Latest

function Test-DocumentedParameter {
    # Common parameters and DontShow parameters get no help of their own. WhatIf and Confirm
    # are OptionalCommonParameters, not CommonParameters, so they stay documented.
    param([System.Management.Automation.ParameterMetadata] $Parameter)
    if ([System.Management.Automation.Cmdlet]::CommonParameters.Contains($Parameter.Name)) { return $false }
    $parameterAttributes = $Parameter.Attributes.Where({ $_ -is [System.Management.Automation.ParameterAttribute] })
    $parameterAttributes.Count -eq 0 -or $parameterAttributes.Where({ -not $_.DontShow }, 'First').Count -gt 0
}

function Format-HelpTypeName {
    # Short type names as in Microsoft's own help: String[], Int32, Dictionary[String, Int32].
    param([type] $Type)
    if ($Type.IsArray) { return (Format-HelpTypeName $Type.GetElementType()) + '[]' }
    $underlying = [Nullable]::GetUnderlyingType($Type)
    if ($underlying) { return Format-HelpTypeName $underlying }
    if ($Type.IsGenericType) {
        $arguments = foreach ($argument in $Type.GetGenericArguments()) { Format-HelpTypeName $argument }
        return ($Type.Name -replace '`\d+$', '') + '[' + ($arguments -join ', ') + ']'
    }
    $Type.Name
}

function Get-ParameterValueSet {
    # Allowed values shown as {A | B} in syntax: ValidateSet values or enum names.
    param([System.Management.Automation.ParameterMetadata] $Parameter)
    $validateSet = $Parameter.Attributes.Where({ $_ -is [System.Management.Automation.ValidateSetAttribute] }, 'First')
    if ($validateSet.Count) { return [string[]]$validateSet[0].ValidValues }
    $type = $Parameter.ParameterType
    if ($type.IsArray) { $type = $type.GetElementType() }
    $underlying = [Nullable]::GetUnderlyingType($type)
    if ($underlying) { $type = $underlying }
    if ($type.IsEnum) { return [string[]][Enum]::GetNames($type) }
    return [string[]]@()
}

function Get-HelpFileName {
    # Get-Help looks for '<assembly file name>-Help.xml' next to the cmdlet's assembly.
    param([System.Management.Automation.CmdletInfo] $Command)
    if ($Command.HelpFile) { return [IO.Path]::GetFileName($Command.HelpFile) }
    [IO.Path]::GetFileName($Command.ImplementingType.Assembly.Location) + '-Help.xml'
}

function Get-CommandHelpData {
    <#
    .SYNOPSIS
        The help facts of every cmdlet a loaded module exports, sorted by name.
    .DESCRIPTION
        Returns one object (Module, Commands). Each command lists its documented parameters in
        declaration order, each with its sets, and its parameter sets with their documented
        parameters. ConvertTo-Json -Depth 6 gives the file the help builder reads.
    #>
    [CmdletBinding()]
    [OutputType([pscustomobject])]
    param([Parameter(Mandatory)] [string] $ModuleName)

    $module = Get-Module -Name $ModuleName | Select-Object -First 1
    if (-not $module) {
        throw "Module '$ModuleName' is not imported in this session. Import the built module before building or checking its help."
    }
    [pscustomobject]@{
        Module   = $module.Name
        Commands = @(foreach ($command in ($module.ExportedCmdlets.Values | Sort-Object Name)) {
                # CmdletInfo.Parameters builds a new dictionary on each call: read it once.
                $parameters = $command.Parameters
                $documented = @(foreach ($parameter in $parameters.Values) { if (Test-DocumentedParameter $parameter) { $parameter.Name } })
                [pscustomobject]@{
                    Name          = $command.Name
                    Verb          = $command.Verb
                    Noun          = $command.Noun
                    HelpFile      = Get-HelpFileName $command
                    Parameters    = @(foreach ($name in $documented) {
                            $parameter = $parameters[$name]
                            [pscustomobject]@{
                                Name     = $parameter.Name
                                TypeName = Format-HelpTypeName $parameter.ParameterType
                                IsSwitch = $parameter.SwitchParameter
                                Aliases  = @($parameter.Aliases)
                                Globbing = $parameter.Attributes.Where({ $_ -is [System.Management.Automation.SupportsWildcardsAttribute] }, 'First').Count -gt 0
                                ValueSet = @(Get-ParameterValueSet $parameter)
                                Sets     = @(foreach ($set in $parameter.ParameterSets.GetEnumerator()) {
                                        [pscustomobject]@{
                                            Name                            = $set.Key
                                            IsMandatory                     = $set.Value.IsMandatory
                                            Position                        = $set.Value.Position
                                            ValueFromPipeline               = $set.Value.ValueFromPipeline
                                            ValueFromPipelineByPropertyName = $set.Value.ValueFromPipelineByPropertyName
                                        }
                                    })
                            }
                        })
                    ParameterSets = @(foreach ($set in $command.ParameterSets) {
                            [pscustomobject]@{
                                Name       = $set.Name
                                IsDefault  = $set.IsDefault
                                Parameters = @($set.Parameters.Name.Where({ $documented -contains $_ }))
                            }
                        })
                }
            })
    }
}

Export-ModuleMember -Function Get-CommandHelpData
