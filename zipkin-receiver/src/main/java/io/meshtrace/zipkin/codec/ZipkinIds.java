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

  /** The ID a JSON string or number holds: read from its bytes when it is a string. */
  interface Hex {
    int length();

    /** The character at {@code i}, or -1 where it is not lower-case hex. */
    int digit(int i);

    /** For messages. */
    String text();

    static Hex of(String text) {
      return new Hex() {
        @Override
        public int length() {
          return text.length();
        }

        @Override
        public int digit(int i) {
          char c = text.charAt(i);
          return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        }

        @Override
        public String text() {
          return text;
        }
      };
    }
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
    long high = 0;
    long low = 0;
    for (int i = 0; i < length; i++) {
      int digit = digit(hex, i);
      int position = length - 1 - i;
      if (position >= 16) {
        high |= ((long) digit) << ((position - 16) * 4);
      } else {
        low |= ((long) digit) << (position * 4);
      }
    }
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
    long id = parse(hex);
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
    return parse(hex);
  }

  private static long parse(Hex hex) {
    long value = 0;
    for (int i = 0; i < hex.length(); i++) {
      value = value << 4 | digit(hex, i);
    }
    return value;
  }

  private static int digit(Hex hex, int i) {
    int digit = hex.digit(i);
    if (digit < 0) {
      throw new IllegalArgumentException(hex.text()
          + " should be lower-hex encoded with no prefix");
    }
    return digit;
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
