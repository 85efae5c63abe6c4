package io.meshtrace.zipkin.codec;

import com.google.protobuf.ByteString;

/**
 * Zipkin's hex IDs by zipkin2's rules ({@code Span.Builder.traceId}, {@code id}, {@code
 * parentId}): lower-case hex only, no prefix; trace IDs of up to 32 characters and span IDs of up
 * to 16, shorter ones left-padded with zeros; an all-zero trace or span ID is refused, an
 * all-zero parent ID means none. Messages are zipkin2's.
 */
final class ZipkinIds {
  private ZipkinIds() {}

  /** An ID as written: a JSON string read in place, or the text of a number. */
  interface Hex {
    int length();

    /** Whether every character is a lower-case hex digit. */
    boolean lowerHex();

    /** The digits {@code from} to {@code to} as a number; only when {@link #lowerHex()}. */
    long value(int from, int to);

    /** For messages. */
    String text();

    static Hex of(String text) {
      return new Hex() {
        @Override
        public int length() {
          return text.length();
        }

        @Override
        public boolean lowerHex() {
          for (int i = 0; i < text.length(); i++) {
            if (digit(text.charAt(i)) < 0) {
              return false;
            }
          }
          return true;
        }

        @Override
        public long value(int from, int to) {
          long value = 0;
          for (int i = from; i < to; i++) {
            value = value << 4 | digit(text.charAt(i));
          }
          return value;
        }

        @Override
        public String text() {
          return text;
        }
      };
    }
  }

  /** The value of a lower-case hex digit, or -1. */
  static int digit(int c) {
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
  }

  static long[] traceId(String hex) {
    return traceId(Hex.of(hex));
  }

  /** The high and low 64 bits. */
  static long[] traceId(Hex hex) {
    int length = hex.length();
    if (length == 0) {
      throw new IllegalArgumentException("traceId is empty");
    }
    if (length > 32) {
      throw new IllegalArgumentException("traceId.length > 32");
    }
    requireLowerHex(hex);
    int split = Math.max(0, length - 16);
    long high = split == 0 ? 0 : hex.value(0, split);
    long low = hex.value(split, length);
    if (high == 0 && low == 0) {
      throw new IllegalArgumentException("traceId is all zeros");
    }
    return new long[] {high, low};
  }

  static long spanId(String hex) {
    return spanId(Hex.of(hex));
  }

  static long spanId(Hex hex) {
    int length = hex.length();
    if (length == 0) {
      throw new IllegalArgumentException("id is empty");
    }
    if (length > 16) {
      throw new IllegalArgumentException("id.length > 16");
    }
    requireLowerHex(hex);
    long id = hex.value(0, length);
    if (id == 0) {
      throw new IllegalArgumentException("id is all zeros");
    }
    return id;
  }

  static long parentId(String hex) {
    return parentId(Hex.of(hex));
  }

  /** 0 for none. */
  static long parentId(Hex hex) {
    int length = hex.length();
    if (length == 0) {
      throw new IllegalArgumentException("parentId is empty");
    }
    if (length > 16) {
      throw new IllegalArgumentException("parentId.length > 16");
    }
    requireLowerHex(hex);
    return hex.value(0, length);
  }

  private static void requireLowerHex(Hex hex) {
    if (!hex.lowerHex()) {
      throw new IllegalArgumentException(hex.text()
          + " should be lower-hex encoded with no prefix");
    }
  }

  static ByteString bytes(long high, long low) {
    byte[] out = new byte[16];
    write(out, 0, high);
    write(out, 8, low);
    return ByteString.copyFrom(out);
  }

  static ByteString bytes(long id) {
    byte[] out = new byte[8];
    write(out, 0, id);
    return ByteString.copyFrom(out);
  }

  private static void write(byte[] out, int offset, long value) {
    for (int i = 7; i >= 0; i--) {
      out[offset + i] = (byte) value;
      value >>>= 8;
    }
  }
}
