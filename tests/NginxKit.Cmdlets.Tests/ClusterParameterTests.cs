namespace NginxKit.Cmdlets.Tests;

/// <summary>
/// -KubeConfig and -Context read alike on every cmdlet that talks to a cluster: ClusterParameters declares
/// them once, offered by KubeCmdlet and by Sync-NginxConf, whose one base class is NginxRenderCmdlet.
/// </summary>
public sealed class ClusterParameterTests : IDisposable
{
    private readonly ModuleSession session = new();

    public void Dispose() => session.Dispose();

    [Theory]
    [InlineData("KubeConfig")]
    [InlineData("Context")]
    public void EveryClusterCmdletDeclaresTheParameterAlike(string name)
    {
        var result = session.Run("""
            foreach ($command in 'Get-EntryNode', 'Set-EntryNodeLabel', 'Get-NginxRoute', 'Resolve-NginxRoute', 'Deploy-NginxKit', 'Remove-NginxKit', 'Sync-NginxConf') {
                $p = (Get-Command $command).Parameters[$name]
                $attributes = foreach ($a in $p.Attributes) {
                    switch ($a) {
                        { $_ -is [Parameter] } { 'Parameter(Position={0},Mandatory={1},Set={2})' -f $_.Position, $_.Mandatory, $_.ParameterSetName }
                        { $_ -is [ArgumentCompleter] } { "ArgumentCompleter($($_.Type))" }
                        default { $_.GetType().Name }
                    }
                }
                '{0} {1} [{2}] [{3}]' -f $command, $p.ParameterType, (($attributes | Sort-Object) -join ', '), ($p.Aliases -join ', ')
            }
            """, ("name", name));
        Assert.Empty(result.Errors);
        Assert.Null(result.Terminating);
        var shapes = result.Output.Select(o => ((string)o.BaseObject)[(((string)o.BaseObject).IndexOf(' ') + 1)..]).ToList();
        Assert.Equal(7, shapes.Count);
        Assert.Single(shapes.Distinct());
        Assert.Contains("ValidateNotNullOrEmptyAttribute", shapes[0]);
    }
}
