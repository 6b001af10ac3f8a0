using System;
using System.IO;
using System.Net.Sockets;
using System.Text;

namespace PSRedis.Tests.Integration.Infrastructure;

/// <summary>
/// A tiny, dependency-free RESP2 speaker for readiness checks and fixture smoke tests.
/// Deliberately independent of PSRedis.Protocol so the fixture works before the client does.
/// It understands only what the fixture needs: simple strings, errors, integers and bulk strings.
/// </summary>
public static class RespProbe
{
    /// <summary>Sends one command as a RESP array of bulk strings and returns the reply:
    /// "+OK"-style lines for simple strings/errors/integers (with their type prefix), or the bulk payload prefixed with "$".</summary>
    public static string Send(Stream stream, params string[] command)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (command.Length == 0)
        {
            throw new ArgumentException("A command needs at least one word.", nameof(command));
        }

        var request = new StringBuilder();
        request.Append('*').Append(command.Length).Append("\r\n");
        foreach (string word in command)
        {
            request.Append('$').Append(Encoding.UTF8.GetByteCount(word)).Append("\r\n").Append(word).Append("\r\n");
        }

        byte[] bytes = Encoding.UTF8.GetBytes(request.ToString());
        stream.Write(bytes, 0, bytes.Length);
        stream.Flush();

        string line = ReadLine(stream);
        if (line.Length > 0 && line[0] == '$')
        {
            int length = int.Parse(line.AsSpan(1), System.Globalization.CultureInfo.InvariantCulture);
            if (length < 0)
            {
                return "$(nil)";
            }

            byte[] payload = new byte[length + 2];
            stream.ReadExactly(payload, 0, payload.Length);
            return "$" + Encoding.UTF8.GetString(payload, 0, length);
        }

        return line;
    }

    /// <summary>Opens a TCP connection to host:port with a receive/send timeout.</summary>
    public static Socket ConnectTcp(string host, int port, TimeSpan timeout)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp)
        {
            NoDelay = true,
            ReceiveTimeout = (int)timeout.TotalMilliseconds,
            SendTimeout = (int)timeout.TotalMilliseconds,
        };
        try
        {
            socket.Connect(host, port);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Opens a unix domain socket connection with a receive/send timeout.</summary>
    public static Socket ConnectUnix(string path, TimeSpan timeout)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
        {
            ReceiveTimeout = (int)timeout.TotalMilliseconds,
            SendTimeout = (int)timeout.TotalMilliseconds,
        };
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(path));
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static string ReadLine(Stream stream)
    {
        var line = new StringBuilder();
        while (true)
        {
            int b = stream.ReadByte();
            if (b < 0)
            {
                throw new EndOfStreamException($"The server closed the connection after '{line}'.");
            }

            if (b == '\r')
            {
                int next = stream.ReadByte();
                if (next != '\n')
                {
                    throw new InvalidDataException($"Expected LF after CR in reply line '{line}'.");
                }

                return line.ToString();
            }

            line.Append((char)b);
        }
    }
}
