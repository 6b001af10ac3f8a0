using System;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace PSRedis.Protocol
{
    /// <summary>
    /// netstandard2.0 has no UnixDomainSocketEndPoint, but every runtime that can use unix sockets
    /// (.NET Core 2.1+ on Linux, macOS and Windows 10) ships one; we find it at run time and only fall
    /// back to serializing sockaddr_un ourselves where it is missing.
    /// </summary>
    internal static class UnixSocketEndPoint
    {
        private static readonly Type? RuntimeType =
            Type.GetType("System.Net.Sockets.UnixDomainSocketEndPoint, System.Net.Sockets", throwOnError: false)
            ?? typeof(Socket).Assembly.GetType("System.Net.Sockets.UnixDomainSocketEndPoint", throwOnError: false);

        public static EndPoint Create(string path)
        {
            if (RuntimeType != null) return (EndPoint)Activator.CreateInstance(RuntimeType, path)!;
            return new SockAddrUn(path);
        }

        private sealed class SockAddrUn : EndPoint
        {
            private readonly byte[] _path;

            public SockAddrUn(string path)
            {
                _path = Encoding.UTF8.GetBytes(path);
            }

            public override AddressFamily AddressFamily => AddressFamily.Unix;

            public override SocketAddress Serialize()
            {
                var address = new SocketAddress(AddressFamily.Unix, 2 + _path.Length + 1);
                for (int i = 0; i < _path.Length; i++) address[2 + i] = _path[i];
                address[2 + _path.Length] = 0;
                return address;
            }

            public override EndPoint Create(SocketAddress socketAddress) => this;

            public override string ToString() => Encoding.UTF8.GetString(_path);
        }
    }
}
