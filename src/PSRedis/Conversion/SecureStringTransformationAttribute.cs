using System;
using System.Management.Automation;
using System.Security;

namespace PSRedis
{
    /// <summary>
    /// Lets a SecureString parameter also take a plain string (-Password 'pw' in a test script), which PowerShell would
    /// otherwise refuse; a SecureString (Read-Host -AsSecureString, a credential's password) passes unchanged.
    /// </summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    internal sealed class SecureStringTransformationAttribute : ArgumentTransformationAttribute
    {
        public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
        {
            object? value = inputData is PSObject ps ? ps.BaseObject : inputData;
            switch (value)
            {
                case string text:
                    var secure = new SecureString();
                    foreach (char c in text) secure.AppendChar(c);
                    secure.MakeReadOnly();
                    return secure;
                case PSCredential credential:
                    return credential.Password;
                default:
                    return value;
            }
        }
    }
}
