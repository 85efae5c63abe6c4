package io.meshtrace.fuzz;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

/**
 * Mutations of valid documents in the style of coverage-guided fuzzers' havoc stage: bit flips,
 * interesting bytes and integers, inserted tokens that parsers treat specially (quotes,
 * brackets, escapes, huge numbers, NUL, broken UTF-8, surrogates), deleted, duplicated and
 * spliced ranges. Starting from real documents keeps most inputs deep in a decoder, where
 * random bytes alone rarely reach.
 */
public final class ByteMutator {
  private static final byte[][] TOKENS = tokens("\"", "\\", "\\u0000", "\\ud800", "\\udc00",
      "\\uD83D\\uDE00", "{", "}", "[", "]", ":", ",", "null", "true", "false", "-", "0", "-1",
      "1e999", "-1e999", "1E-400", "9223372036854775807", "9223372036854775808",
      "-9223372036854775809", "18446744073709551616", "NaN", "Infinity", "0x1F", "00", "1.5",
      "\"\"", "{}", "[]", "[[[[[[[[[[[[[[[[", "{\"a\":{\"a\":{\"a\":{\"a\":", "\u0000",
      "\u00ff", "\ufffd", "\"traceId\":", "\"id\":", "\"spanId\":", "\"\"", "%00", "%zz", "%",
      "\r\n", "\t", " ", "#", "---", "- ", ": ", "!!binary", "&a", "*a", "<<", "?", "'");
  private static final byte[] INTERESTING_BYTES = {0, 1, 0x7f, (byte) 0x80, (byte) 0xff,
      (byte) 0xc0, (byte) 0xed, (byte) 0xf4, (byte) 0xf8, 0x0b, 0x0c, 0x0d, 0x0f, 0x19, 0x1c};

  private ByteMutator() {}

  /** {@code 1..maxMutations} mutations of {@code seed}; {@code seeds} feed splices. */
  public static byte[] mutate(byte[] seed, List<byte[]> seeds, Random random, int maxMutations) {
    byte[] data = seed.clone();
    int mutations = 1 + random.nextInt(maxMutations);
    for (int i = 0; i < mutations; i++) {
      data = mutateOnce(data, seeds, random);
    }
    return data;
  }

  private static byte[] mutateOnce(byte[] data, List<byte[]> seeds, Random random) {
    int n = data.length;
    switch (random.nextInt(11)) {
      case 0 -> { // flip a bit
        if (n > 0) {
          data[random.nextInt(n)] ^= (byte) (1 << random.nextInt(8));
        }
        return data;
      }
      case 1 -> { // an interesting byte
        if (n > 0) {
          data[random.nextInt(n)] = INTERESTING_BYTES[random.nextInt(INTERESTING_BYTES.length)];
        }
        return data;
      }
      case 2 -> { // a random byte
        if (n > 0) {
          data[random.nextInt(n)] = (byte) random.nextInt(256);
        }
        return data;
      }
      case 3, 4 -> { // a token
        return insert(data, random.nextInt(n + 1), TOKENS[random.nextInt(TOKENS.length)]);
      }
      case 5 -> { // a token in place of a range
        return replace(data, random, TOKENS[random.nextInt(TOKENS.length)]);
      }
      case 6 -> { // delete a range
        if (n == 0) {
          return data;
        }
        int from = random.nextInt(n);
        int length = 1 + random.nextInt(Math.min(n - from, 64));
        return concat(slice(data, 0, from), slice(data, from + length, n));
      }
      case 7 -> { // duplicate a range
        if (n == 0) {
          return data;
        }
        int from = random.nextInt(n);
        int length = 1 + random.nextInt(Math.min(n - from, 256));
        return insert(data, random.nextInt(n + 1), slice(data, from, from + length));
      }
      case 8 -> { // splice in a part of another seed
        byte[] other = seeds.get(random.nextInt(seeds.size()));
        if (other.length == 0) {
          return data;
        }
        int from = random.nextInt(other.length);
        int length = 1 + random.nextInt(Math.min(other.length - from, 512));
        return insert(data, random.nextInt(n + 1), slice(other, from, from + length));
      }
      case 9 -> { // truncate
        return n == 0 ? data : slice(data, 0, random.nextInt(n));
      }
      default -> { // an interesting integer, varint or big-endian, at a random place
        long value = switch (random.nextInt(6)) {
          case 0 -> -1L;
          case 1 -> Integer.MAX_VALUE;
          case 2 -> Integer.MIN_VALUE;
          case 3 -> Long.MAX_VALUE;
          case 4 -> 0x7fff_fff0L;
          default -> random.nextInt(1 << 16);
        };
        return insert(data, random.nextInt(n + 1), random.nextBoolean() ? varint(value)
            : bigEndian((int) value));
      }
    }
  }

  private static byte[] replace(byte[] data, Random random, byte[] token) {
    if (data.length == 0) {
      return token.clone();
    }
    int from = random.nextInt(data.length);
    int length = 1 + random.nextInt(Math.min(data.length - from, 16));
    return concat(concat(slice(data, 0, from), token), slice(data, from + length, data.length));
  }

  private static byte[] insert(byte[] data, int at, byte[] bytes) {
    return concat(concat(slice(data, 0, at), bytes), slice(data, at, data.length));
  }

  private static byte[] slice(byte[] data, int from, int to) {
    return java.util.Arrays.copyOfRange(data, from, to);
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  private static byte[] varint(long value) {
    byte[] out = new byte[10];
    int i = 0;
    while ((value & ~0x7fL) != 0) {
      out[i++] = (byte) ((value & 0x7f) | 0x80);
      value >>>= 7;
    }
    out[i++] = (byte) value;
    return slice(out, 0, i);
  }

  private static byte[] bigEndian(int value) {
    return new byte[] {(byte) (value >>> 24), (byte) (value >>> 16), (byte) (value >>> 8),
        (byte) value};
  }

  private static byte[][] tokens(String... tokens) {
    byte[][] bytes = new byte[tokens.length + 3][];
    for (int i = 0; i < tokens.length; i++) {
      bytes[i] = tokens[i].getBytes(StandardCharsets.UTF_8);
    }
    bytes[tokens.length] = new byte[] {(byte) 0xc3, 0x28}; // broken UTF-8
    bytes[tokens.length + 1] = new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80}; // surrogate
    bytes[tokens.length + 2] = new byte[] {(byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80};
    return bytes;
  }
}
