package io.meshtrace.storage.postgres;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import io.opentelemetry.proto.common.v1.AnyValue;
import java.io.IOException;

/**
 * Shorter stored forms of the string values that vary on every Envoy span: a UUID request ID, a
 * decimal size, an IPv4 address with port. A form is chosen only when writing the value back out
 * of it gives exactly the incoming text (lower-case hex, no leading zeros, no plus sign), so the
 * stored span always reads back byte for byte.
 */
final class CompactValue {
  static final int PLAIN = 0;
  static final int UUID = 1;
  static final int INTEGER = 2;
  static final int IPV4_PORT = 3;

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private CompactValue() {}

  /** The form a value is stored in. */
  static int form(AnyValue value) {
    if (!value.hasStringValue() || !value.getUnknownFields().asMap().isEmpty()) {
      return PLAIN;
    }
    String text = value.getStringValue();
    int length = text.length();
    if (length == 36 && isUuid(text)) {
      return UUID;
    }
    if (length >= 1 && length <= 20 && isCanonicalLong(text)) {
      return INTEGER;
    }
    if (length >= 9 && length <= 21 && ipv4Port(text) != null) {
      return IPV4_PORT;
    }
    return PLAIN;
  }

  static int size(int form, String text) {
    return switch (form) {
      case UUID -> 16;
      case INTEGER -> CodedOutputStream.computeSInt64SizeNoTag(Long.parseLong(text));
      case IPV4_PORT -> 4 + CodedOutputStream.computeUInt32SizeNoTag(ipv4Port(text)[4]);
      default -> throw new IllegalArgumentException("form " + form);
    };
  }

  static void write(int form, String text, CodedOutputStream out) throws IOException {
    switch (form) {
      case UUID -> {
        for (int i = 0; i < 36; i++) {
          if (i == 8 || i == 13 || i == 18 || i == 23) {
            continue;
          }
          out.write((byte) ((hex(text.charAt(i)) << 4) | hex(text.charAt(++i))));
        }
      }
      case INTEGER -> out.writeSInt64NoTag(Long.parseLong(text));
      case IPV4_PORT -> {
        int[] parts = ipv4Port(text);
        for (int i = 0; i < 4; i++) {
          out.write((byte) parts[i]);
        }
        out.writeUInt32NoTag(parts[4]);
      }
      default -> throw new IllegalArgumentException("form " + form);
    }
  }

  static void skip(int form, CodedInputStream in) throws IOException {
    switch (form) {
      case UUID -> in.skipRawBytes(16);
      case INTEGER -> in.readSInt64();
      case IPV4_PORT -> {
        in.skipRawBytes(4);
        in.readUInt32();
      }
      default -> throw new IOException("unknown value form " + form);
    }
  }

  static String read(int form, ByteString bytes) throws IOException {
    switch (form) {
      case UUID -> {
        if (bytes.size() != 16) {
          throw new IOException("a stored UUID has " + bytes.size() + " bytes");
        }
        StringBuilder text = new StringBuilder(36);
        for (int i = 0; i < 16; i++) {
          if (i == 4 || i == 6 || i == 8 || i == 10) {
            text.append('-');
          }
          int b = bytes.byteAt(i) & 0xff;
          text.append(HEX[b >> 4]).append(HEX[b & 15]);
        }
        return text.toString();
      }
      case INTEGER -> {
        return Long.toString(bytes.newCodedInput().readSInt64());
      }
      case IPV4_PORT -> {
        CodedInputStream in = bytes.newCodedInput();
        byte[] address = in.readRawBytes(4);
        return (address[0] & 0xff) + "." + (address[1] & 0xff) + "." + (address[2] & 0xff) + "."
            + (address[3] & 0xff) + ":" + in.readUInt32();
      }
      default -> throw new IOException("unknown value form " + form);
    }
  }

  private static boolean isUuid(String text) {
    for (int i = 0; i < 36; i++) {
      char c = text.charAt(i);
      if (i == 8 || i == 13 || i == 18 || i == 23) {
        if (c != '-') {
          return false;
        }
      } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
        return false;
      }
    }
    return true;
  }

  private static int hex(char c) {
    return c <= '9' ? c - '0' : c - 'a' + 10;
  }

  /** "0", or an optional minus and digits without a leading zero, within a long's range. */
  private static boolean isCanonicalLong(String text) {
    int start = text.charAt(0) == '-' ? 1 : 0;
    int length = text.length();
    if (start == length || length - start > 19
        || (text.charAt(start) == '0' && (length - start > 1 || start == 1))) {
      return false;
    }
    for (int i = start; i < length; i++) {
      char c = text.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    if (length - start == 19) {
      try {
        Long.parseLong(text);
      } catch (NumberFormatException overflow) {
        return false;
      }
    }
    return true;
  }

  /** The four octets and the port of a canonical "a.b.c.d:port", or null. */
  private static int[] ipv4Port(String text) {
    int[] parts = new int[5];
    int part = 0;
    int value = -1;
    int digits = 0;
    boolean leadingZero = false;
    for (int i = 0; i <= text.length(); i++) {
      char c = i < text.length() ? text.charAt(i) : '\0';
      if (c >= '0' && c <= '9') {
        if (digits == 0) {
          leadingZero = c == '0';
          value = 0;
        } else if (leadingZero) {
          return null;
        }
        value = value * 10 + (c - '0');
        if (++digits > 5) {
          return null;
        }
        continue;
      }
      boolean separatorOk = part < 3 ? c == '.' : part == 3 ? c == ':' : c == '\0';
      if (!separatorOk || digits == 0 || value > (part < 4 ? 255 : 65535)) {
        return null;
      }
      parts[part++] = value;
      digits = 0;
      if (part == 5) {
        return i == text.length() ? parts : null;
      }
    }
    return null;
  }
}
