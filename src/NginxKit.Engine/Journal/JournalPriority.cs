namespace NginxKit.Engine.Journal;

/// <summary>syslog priorities, as journald stores them in PRIORITY.</summary>
public enum JournalPriority
{
    Emergency = 0,
    Alert = 1,
    Critical = 2,
    Error = 3,
    Warning = 4,
    Notice = 5,
    Informational = 6,
    Debug = 7,
}
