package io.meshtrace.model;

import com.google.protobuf.ByteString;
import java.util.UUID;

/**
 * A 128-bit trace ID. 64-bit IDs (B3 from older Envoys and Zipkin tracers) are the same ID with
 * the high half zero, which is how OTLP carries them and how they are stored.
 */
public record TraceId(long high, long low) {

  public TraceId {
    if (high == 0 && low == 0) {
      throw new IllegalArgumentException("trace ID is all zeros");
    }
  }

  /**
   * Parses 1 to 32 lower- or upper-case hex characters the way Zipkin normalizes trace IDs: a
   * shorter ID is left-padded with zeros, so "abc" and "0000000000000abc" and the 32-character
   * form with a zero high half are all the same trace.
   *
   * @throws IllegalArgumentException naming what is wrong with the text
   */
  public static TraceId fromHex(String hex) {
    if (hex == null || hex.isEmpty()) {
      throw new IllegalArgumentException("trace ID is empty");
    }
    if (hex.length() > 32) {
      throw new IllegalArgumentException(
          "trace ID is longer than 32 hex characters: " + abbreviate(hex));
    }
    long high = 0;
    long low = 0;
    int length = hex.length();
    for (int i = 0; i < length; i++) {
      int digit = Character.digit(hex.charAt(i), 16);
      if (digit < 0) {
        throw new IllegalArgumentException("trace ID is not hex: " + abbreviate(hex));
      }
      int position = length - 1 - i; // nibble index counted from the least significant end
      if (position >= 16) {
        high |= ((long) digit) << ((position - 16) * 4);
      } else {
        low |= ((long) digit) << (position * 4);
      }
    }
    return new TraceId(high, low);
  }

  /** From OTLP's 16 bytes (or 8, which some producers send for 64-bit IDs). */
  public static TraceId fromBytes(ByteString bytes) {
    int size = bytes.size();
    if (size == 16) {
      return new TraceId(readLong(bytes, 0), readLong(bytes, 8));
    }
    if (size == 8) {
      return new TraceId(0, readLong(bytes, 0));
    }
    throw new IllegalArgumentException("trace ID must be 16 bytes, was " + size);
  }

  public static TraceId fromUuid(UUID uuid) {
    return new TraceId(uuid.getMostSignificantBits(), uuid.getLeastSignificantBits());
  }

  public UUID toUuid() {
    return new UUID(high, low);
  }

  public ByteString toBytes() {
    return toBytes(high, low);
  }

  /**
   * OTLP's 16 bytes of the two halves, all zeros included: for receivers that hand a wire ID on
   * as it came and leave the refusal of an invalid one to the pipeline's checks.
   */
  public static ByteString toBytes(long high, long low) {
    byte[] out = new byte[16];
    writeLong(out, 0, high);
    writeLong(out, 8, low);
    return ByteString.copyFrom(out);
  }

  /** 32 hex characters, as OTLP JSON and the Jaeger v3 API print trace IDs. */
  public String toHex128() {
    return SpanIds.toHex(high) + SpanIds.toHex(low);
  }

  /** 16 hex characters when the high half is zero, else 32: Zipkin's and Jaeger v1's form. */
  public String toShortestHex() {
    return high == 0 ? SpanIds.toHex(low) : toHex128();
  }

  @Override
  public String toString() {
    return toShortestHex();
  }

  private static long readLong(ByteString bytes, int offset) {
    long value = 0;
    for (int i = 0; i < 8; i++) {
      value = (value << 8) | (bytes.byteAt(offset + i) & 0xff);
    }
    return value;
  }

  private static void writeLong(byte[] out, int offset, long value) {
    for (int i = 7; i >= 0; i--) {
      out[offset + i] = (byte) value;
      value >>>= 8;
    }
  }

  static String abbreviate(String text) {
    return text.length() <= 40 ? text : text.substring(0, 40) + "...";
  }
}
