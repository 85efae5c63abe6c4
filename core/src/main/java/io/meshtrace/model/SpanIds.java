package io.meshtrace.model;

import com.google.protobuf.ByteString;

/** Span IDs are 8 bytes in OTLP and a signed {@code bigint} in PostgreSQL. */
public final class SpanIds {
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private SpanIds() {}

  public static long fromBytes(ByteString bytes) {
    if (bytes.size() != 8) {
      throw new IllegalArgumentException("span ID must be 8 bytes, was " + bytes.size());
    }
    long value = 0;
    for (int i = 0; i < 8; i++) {
      value = (value << 8) | (bytes.byteAt(i) & 0xff);
    }
    return value;
  }

  public static ByteString toBytes(long id) {
    byte[] out = new byte[8];
    for (int i = 7; i >= 0; i--) {
      out[i] = (byte) id;
      id >>>= 8;
    }
    return ByteString.copyFrom(out);
  }

  /** Parses 1 to 16 hex characters, left-padding shorter ones with zeros. */
  public static long fromHex(String hex) {
    if (hex == null || hex.isEmpty()) {
      throw new IllegalArgumentException("span ID is empty");
    }
    if (hex.length() > 16) {
      throw new IllegalArgumentException(
          "span ID is longer than 16 hex characters: " + TraceId.abbreviate(hex));
    }
    long value = 0;
    for (int i = 0; i < hex.length(); i++) {
      int digit = Character.digit(hex.charAt(i), 16);
      if (digit < 0) {
        throw new IllegalArgumentException("span ID is not hex: " + TraceId.abbreviate(hex));
      }
      value = (value << 4) | digit;
    }
    return value;
  }

  /** 16 lower-case hex characters. */
  public static String toHex(long id) {
    char[] out = new char[16];
    for (int i = 15; i >= 0; i--) {
      out[i] = HEX[(int) (id & 0xf)];
      id >>>= 4;
    }
    return new String(out);
  }
}
