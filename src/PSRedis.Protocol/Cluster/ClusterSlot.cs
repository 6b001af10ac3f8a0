using System;
using System.Text;

namespace PSRedis.Protocol
{
    /// <summary>
    /// Redis Cluster key slots: CRC16 (XMODEM) of the key modulo 16384, where a non-empty "{...}" hash tag (the first
    /// '{' and the first '}' after it) stands for the whole key, so "{user1}:name" and "{user1}:mail" share a slot.
    /// </summary>
    public static class ClusterSlot
    {
        /// <summary>The number of slots in every Redis Cluster.</summary>
        public const int Count = 16384;

        private static readonly ushort[] s_table = BuildTable();

        /// <summary>The slot of <paramref name="key"/> (its UTF-8 bytes, as sent on the wire).</summary>
        public static int Of(string key)
        {
            if (key == null) throw new ArgumentNullException(nameof(key));
            return Of(Encoding.UTF8.GetBytes(key));
        }

        /// <summary>The slot of a binary key.</summary>
        public static int Of(byte[] key)
        {
            if (key == null) throw new ArgumentNullException(nameof(key));
            int start = 0;
            int length = key.Length;
            int open = Array.IndexOf(key, (byte)'{');
            if (open >= 0)
            {
                int close = Array.IndexOf(key, (byte)'}', open + 1);
                if (close > open + 1)
                {
                    start = open + 1;
                    length = close - start;
                }
            }
            return Crc16(key, start, length) & (Count - 1);
        }

        /// <summary>The slot of a key argument as the client sends it (text, bytes, or anything formatted as text).</summary>
        internal static int OfArgument(object? arg) => arg switch
        {
            byte[] bytes => Of(bytes),
            string text => Of(text),
            null => Of(Array.Empty<byte>()),
            _ => Of(Convert.ToString(arg, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty),
        };

        private static string[]? s_tags;

        /// <summary>
        /// A short hash tag ("{...}") whose slot is <paramref name="slot"/>: a key that starts with it lands in that slot, so a
        /// temporary key can sit beside any key (RENAME needs both in one slot on a cluster), whatever that key's name.
        /// </summary>
        public static string TagFor(int slot)
        {
            if (slot < 0 || slot >= Count) throw new ArgumentOutOfRangeException(nameof(slot));
            string[] tags = s_tags ??= BuildTags();
            return "{" + tags[slot] + "}";
        }

        private static string[] BuildTags()
        {
            // Numbers in base 36 cover every slot within about 170,000 tries (a few milliseconds, once).
            var tags = new string[Count];
            int found = 0;
            for (long n = 0; found < Count; n++)
            {
                string text = ToBase36(n);
                byte[] bytes = Encoding.ASCII.GetBytes(text);
                int slot = Crc16(bytes, 0, bytes.Length) & (Count - 1);
                if (tags[slot] != null) continue;
                tags[slot] = text;
                found++;
            }
            return tags;
        }

        private static string ToBase36(long n)
        {
            const string digits = "0123456789abcdefghijklmnopqrstuvwxyz";
            if (n == 0) return "0";
            var text = new StringBuilder();
            while (n > 0)
            {
                text.Insert(0, digits[(int)(n % 36)]);
                n /= 36;
            }
            return text.ToString();
        }

        internal static ushort Crc16(byte[] data, int start, int length)
        {
            ushort crc = 0;
            for (int i = start; i < start + length; i++) crc = (ushort)((crc << 8) ^ s_table[((crc >> 8) ^ data[i]) & 0xFF]);
            return crc;
        }

        private static ushort[] BuildTable()
        {
            var table = new ushort[256];
            for (int i = 0; i < 256; i++)
            {
                int crc = i << 8;
                for (int bit = 0; bit < 8; bit++) crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
                table[i] = (ushort)crc;
            }
            return table;
        }
    }
}
