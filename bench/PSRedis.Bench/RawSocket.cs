using System;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;

namespace PSRedis.Bench;

/// <summary>
/// The yardstick: the least a client can do. Pre-encoded commands on a blocking socket, replies only counted
/// (their length is known in advance), nothing parsed or allocated. No real client can beat it by much.
/// </summary>
public sealed class RawSocket : IDisposable
{
    private readonly Socket _socket;
    private readonly byte[] _buffer = new byte[1 << 16];

    public RawSocket(string host, int port)
    {
        _socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        _socket.Connect(new IPEndPoint(Dns.GetHostAddresses(host)[0], port));
    }

    public static byte[] Encode(params string[] args)
    {
        var sb = new StringBuilder();
        sb.Append('*').Append(args.Length).Append("\r\n");
        foreach (string a in args) sb.Append('$').Append(Encoding.UTF8.GetByteCount(a)).Append("\r\n").Append(a).Append("\r\n");
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    /// <summary>One request, then read exactly <paramref name="replyLength"/> bytes.</summary>
    public void RoundTrip(byte[] request, int replyLength)
    {
        _socket.Send(request);
        int got = 0;
        while (got < replyLength)
        {
            int n = _socket.Receive(_buffer, 0, Math.Min(_buffer.Length, replyLength - got), SocketFlags.None);
            if (n <= 0) throw new InvalidOperationException("closed");
            got += n;
        }
    }

    /// <summary>Writes <paramref name="count"/> copies of a command from one thread while this one reads the replies; ops/s.</summary>
    public double Burst(byte[][] commands, int replyLength)
    {
        // One contiguous request block per 1,000 commands: as a client with a write buffer would send them.
        long expected = (long)commands.Length * replyLength;
        long start = Stopwatch.GetTimestamp();
        var writer = new Thread(() =>
        {
            var block = new byte[1 << 16];
            int used = 0;
            foreach (byte[] c in commands)
            {
                if (used + c.Length > block.Length)
                {
                    _socket.Send(block, 0, used, SocketFlags.None);
                    used = 0;
                }
                Buffer.BlockCopy(c, 0, block, used, c.Length);
                used += c.Length;
            }
            if (used > 0) _socket.Send(block, 0, used, SocketFlags.None);
        }) { IsBackground = true };
        writer.Start();
        long got = 0;
        while (got < expected)
        {
            int n = _socket.Receive(_buffer);
            if (n <= 0) throw new InvalidOperationException("closed");
            got += n;
        }
        writer.Join();
        return commands.Length * (double)Stopwatch.Frequency / (Stopwatch.GetTimestamp() - start);
    }

    public void Dispose() => _socket.Dispose();
}
