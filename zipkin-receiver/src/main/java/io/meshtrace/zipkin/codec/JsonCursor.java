package io.meshtrace.zipkin.codec;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import java.nio.charset.StandardCharsets;

/**
 * A forward-only reader of JSON (RFC 8259) straight over UTF-8 bytes, for {@link
 * ZipkinJsonV2ToOtlp}. A string without escapes is handed out as a view into the input rather
 * than decoded, so that the values of a span's tags reach OTLP without a copy. Malformed input
 * throws an IllegalArgumentException that says what and where.
 */
final class JsonCursor {
  /** Deeper nesting than this is refused rather than followed (a stack overflow is no answer). */
  static final int MAX_DEPTH = 64;

  private static final java.lang.invoke.VarHandle LONGS = java.lang.invoke.MethodHandles
      .byteArrayViewVarHandle(long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);
  private static final long ONES = 0x0101010101010101L;
  private static final long HIGH_BITS = 0x8080808080808080L;
  private static final long QUOTES = ONES * '"';
  private static final long BACKSLASHES = ONES * '\\';

  private final byte[] bytes;
  private final int end;
  private int pos;
  /** The last string read: where it starts and ends in {@link #bytes}, or its decoded form. */
  private int stringStart;
  private int stringEnd;
  private boolean stringAscii;
  private byte[] unescaped;
  private int unescapedLength;

  JsonCursor(byte[] bytes) {
    this.bytes = bytes;
    this.end = bytes.length;
  }

  /** The next significant character, without consuming it; -1 at the end of the input. */
  int peek() {
    skipWhitespace();
    return pos < end ? bytes[pos] & 0xff : -1;
  }

  void expect(char c) {
    if (peek() != c) {
      throw error("expected '" + c + "'");
    }
    pos++;
  }

  /** Consumes {@code c} if it comes next. */
  boolean consume(char c) {
    if (peek() == c) {
      pos++;
      return true;
    }
    return false;
  }

  /** After the first member of an object or array: true when another one follows. */
  boolean more(char close) {
    int c = peek();
    if (c == ',') {
      pos++;
      return true;
    }
    if (c == close) {
      pos++;
      return false;
    }
    throw error("expected ',' or '" + close + "'");
  }

  /** The end of the input, past trailing whitespace. */
  void expectEnd() {
    if (peek() != -1) {
      throw error("unexpected content after the list of spans");
    }
  }

  /** True and consumed when the next value is {@code null}. */
  boolean consumeNull() {
    if (peek() == 'n') {
      literal("null");
      return true;
    }
    return false;
  }

  /**
   * Reads a string; its content is then {@link #lastStringEquals}, {@link #lastStringBytes} or
   * {@link #lastString}. The bytes of a string without escapes are checked to be UTF-8 only when
   * they are handed out.
   */
  void readString() {
    expect('"');
    // Locals, so that the loops run in registers: this is where a span's bytes are read. Eight
    // bytes at a time while none is a quote or a backslash; the one that is, byte by byte.
    byte[] in = bytes;
    int at = pos;
    int limit = end;
    long highBits = 0;
    while (at + 8 <= limit) {
      long word = (long) LONGS.get(in, at);
      if (hasByte(word, QUOTES) || hasByte(word, BACKSLASHES)) {
        break;
      }
      highBits |= word;
      at += 8;
    }
    int seen = (highBits & HIGH_BITS) == 0 ? 0 : -1;
    while (at < limit) {
      byte b = in[at];
      if (b == '"') {
        stringStart = pos;
        stringEnd = at;
        stringAscii = seen >= 0;
        unescaped = null;
        pos = at + 1;
        return;
      }
      if (b == '\\') {
        int start = pos;
        pos = at;
        readEscapedString(start);
        return;
      }
      seen |= b; // negative once any byte is not ASCII
      at++;
    }
    pos = at;
    throw error("unterminated string");
  }

  /** Whether any byte of {@code word} equals the byte {@code pattern} repeats. */
  private static boolean hasByte(long word, long pattern) {
    long x = word ^ pattern;
    return ((x - ONES) & ~x & HIGH_BITS) != 0;
  }

  private void readEscapedString(int start) {
    byte[] out = new byte[Math.max(16, (pos - start) * 2 + 16)];
    int length = pos - start;
    System.arraycopy(bytes, start, out, 0, length);
    while (pos < end) {
      byte b = bytes[pos++];
      if (b == '"') {
        unescaped = out;
        unescapedLength = length;
        stringAscii = isAscii(out, 0, length);
        return;
      }
      if (length + 8 > out.length) {
        out = java.util.Arrays.copyOf(out, out.length * 2);
      }
      if (b != '\\') {
        out[length++] = b;
        continue;
      }
      if (pos >= end) {
        break;
      }
      byte escape = bytes[pos++];
      switch (escape) {
        case '"', '\\', '/' -> out[length++] = escape;
        case 'b' -> out[length++] = '\b';
        case 'f' -> out[length++] = '\f';
        case 'n' -> out[length++] = '\n';
        case 'r' -> out[length++] = '\r';
        case 't' -> out[length++] = '\t';
        case 'u' -> {
          int c = hex4();
          if (Character.isHighSurrogate((char) c) && pos + 1 < end && bytes[pos] == '\\'
              && bytes[pos + 1] == 'u') {
            int mark = pos;
            pos += 2;
            int low = hex4();
            if (Character.isLowSurrogate((char) low)) {
              length = utf8(out, length, Character.toCodePoint((char) c, (char) low));
              continue;
            }
            pos = mark; // a lone high surrogate, then whatever the next escape is
          }
          // A lone surrogate cannot be UTF-8: Java's encoder writes '?' for it, so zipkin2's
          // strings reach OTLP so.
          length = utf8(out, length, Character.isSurrogate((char) c) ? '?' : c);
        }
        default -> throw error("invalid escape '\\" + (char) escape + "'");
      }
    }
    throw error("unterminated string");
  }

  private int hex4() {
    if (pos + 4 > end) {
      throw error("truncated \\u escape");
    }
    int value = 0;
    for (int i = 0; i < 4; i++) {
      int digit = Character.digit(bytes[pos++], 16);
      if (digit < 0) {
        throw error("invalid \\u escape");
      }
      value = value << 4 | digit;
    }
    return value;
  }

  private static int utf8(byte[] out, int at, int codePoint) {
    if (codePoint < 0x80) {
      out[at++] = (byte) codePoint;
    } else if (codePoint < 0x800) {
      out[at++] = (byte) (0xC0 | codePoint >> 6);
      out[at++] = (byte) (0x80 | codePoint & 0x3F);
    } else if (codePoint < 0x10000) {
      out[at++] = (byte) (0xE0 | codePoint >> 12);
      out[at++] = (byte) (0x80 | codePoint >> 6 & 0x3F);
      out[at++] = (byte) (0x80 | codePoint & 0x3F);
    } else {
      out[at++] = (byte) (0xF0 | codePoint >> 18);
      out[at++] = (byte) (0x80 | codePoint >> 12 & 0x3F);
      out[at++] = (byte) (0x80 | codePoint >> 6 & 0x3F);
      out[at++] = (byte) (0x80 | codePoint & 0x3F);
    }
    return at;
  }

  /** Whether the last string read is exactly this ASCII text. */
  boolean lastStringEquals(String ascii) {
    byte[] source = unescaped != null ? unescaped : bytes;
    int from = unescaped != null ? 0 : stringStart;
    int length = unescaped != null ? unescapedLength : stringEnd - stringStart;
    if (length != ascii.length()) {
      return false;
    }
    for (int i = 0; i < length; i++) {
      if (source[from + i] != ascii.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  /**
   * The last string as UTF-8: a view into the input when it had no escapes and is valid UTF-8;
   * otherwise decoded, with malformed sequences replaced by U+FFFD as a UTF-8 decoder does.
   */
  ByteString lastStringBytes() {
    if (unescaped == null) {
      ByteString view = UnsafeByteOperations.unsafeWrap(bytes, stringStart,
          stringEnd - stringStart);
      if (stringAscii || view.isValidUtf8()) {
        return view;
      }
    }
    return ByteString.copyFromUtf8(lastString());
  }

  /** Whether the last string's raw bytes are these; see {@link #lastKeyHash}. */
  boolean lastStringRawEquals(byte[] other) {
    return other != null && lastStringRawEquals(other, 0, other.length);
  }

  /** Whether the last string's raw bytes are {@code length} bytes of {@code other}. */
  boolean lastStringRawEquals(byte[] other, int offset, int length) {
    return other != null && length == lastLength() && java.util.Arrays.equals(lastSource(),
        lastOffset(), lastOffset() + length, other, offset, offset + length);
  }

  /** The array the last string's raw bytes are in, from {@link #lastOffset()}. */
  byte[] lastSource() {
    return unescaped != null ? unescaped : bytes;
  }

  int lastOffset() {
    return unescaped != null ? 0 : stringStart;
  }

  /**
   * A hash of the last string's raw bytes from its length and three of them: enough to tell
   * apart the few keys a cache holds, in constant time (equality is checked after).
   */
  int lastKeyHash() {
    byte[] source = unescaped != null ? unescaped : bytes;
    int from = unescaped != null ? 0 : stringStart;
    int length = (unescaped != null ? unescapedLength : stringEnd) - from;
    if (length == 0) {
      return 0;
    }
    return length * 0x9E3779B1 ^ source[from] ^ source[from + length / 2] << 8
        ^ source[from + length - 1] << 16 ^ source[from + (length - 1) * 3 / 4] << 24;
  }

  /** A copy of the last string's raw bytes. */
  byte[] lastStringRaw() {
    return unescaped != null ? java.util.Arrays.copyOf(unescaped, unescapedLength)
        : java.util.Arrays.copyOfRange(bytes, stringStart, stringEnd);
  }

  /** The last string, decoded as UTF-8 (malformed sequences become U+FFFD). */
  String lastString() {
    return unescaped != null ? new String(unescaped, 0, unescapedLength, StandardCharsets.UTF_8)
        : new String(bytes, stringStart, stringEnd - stringStart, StandardCharsets.UTF_8);
  }

  /** The last string's length in bytes. */
  int lastLength() {
    return unescaped != null ? unescapedLength : stringEnd - stringStart;
  }

  /** Byte {@code i} of the last string. */
  byte lastByteAt(int i) {
    return unescaped != null ? unescaped[i] : bytes[stringStart + i];
  }

  /** The last string as a Zipkin ID, read in place. */
  ZipkinIds.Hex lastStringAsHex() {
    byte[] source = unescaped != null ? unescaped : bytes;
    int from = unescaped != null ? 0 : stringStart;
    int length = lastLength();
    return new ZipkinIds.Hex() {
      @Override
      public int length() {
        return length;
      }

      @Override
      public boolean lowerHex() {
        for (int i = from; i < from + length; i++) {
          if (ZipkinIds.digit(source[i]) < 0) {
            return false;
          }
        }
        return true;
      }

      @Override
      public long value(int start, int end) {
        long value = 0;
        for (int i = from + start; i < from + end; i++) {
          value = value << 4 | ZipkinIds.digit(source[i]);
        }
        return value;
      }

      @Override
      public String text() {
        return new String(source, from, length, StandardCharsets.UTF_8);
      }
    };
  }

  /** Where the next value starts, for {@link #rewind}. */
  int position() {
    skipWhitespace();
    return pos;
  }

  /** Back to a {@link #position()} taken before: to read a value again. */
  void rewind(int position) {
    pos = position;
  }

  /** The input from {@code from} to where the cursor is, as a view: only for the call's use. */
  ByteString viewSince(int from) {
    return UnsafeByteOperations.unsafeWrap(bytes, from, pos - from);
  }

  /** Whether the last string is pure ASCII (so that its byte order is its character order). */
  boolean lastStringIsAscii() {
    return stringAscii;
  }

  private static boolean isAscii(byte[] source, int from, int to) {
    for (int i = from; i < to; i++) {
      if (source[i] < 0) {
        return false;
      }
    }
    return true;
  }

  /** Whether the next value is a string (rather than a number, literal, object or array). */
  boolean peekString() {
    return peek() == '"';
  }

  /** Whether the next value is a number. */
  boolean peekNumber() {
    int c = peek();
    return c == '-' || (c >= '0' && c <= '9');
  }

  /** Reads a number and returns its text as written (what Gson's {@code nextString()} gives). */
  String readNumberText() {
    int start = pos;
    scanNumber();
    return new String(bytes, start, pos - start, StandardCharsets.US_ASCII);
  }

  /**
   * A whole number, written as a JSON number or as a string holding one (as Gson reads them);
   * one with a fraction or exponent counts when its value is whole.
   */
  long readLong() {
    String text;
    if (peekString()) {
      readString();
      text = lastString();
    } else if (peekNumber()) {
      int start = pos;
      scanNumber();
      text = new String(bytes, start, pos - start, StandardCharsets.US_ASCII);
    } else {
      throw error("expected a number");
    }
    try {
      return Long.parseLong(text);
    } catch (NumberFormatException notLong) {
      try {
        double value = Double.parseDouble(text);
        long whole = (long) value;
        if (whole == value) {
          return whole;
        }
      } catch (NumberFormatException notNumber) {
        // reported below
      }
      throw error("expected a whole number but was " + text);
    }
  }

  boolean readBoolean() {
    int c = peek();
    if (c == 't') {
      literal("true");
      return true;
    }
    if (c == 'f') {
      literal("false");
      return false;
    }
    throw error("expected true or false");
  }

  /** Skips any value, with its nested objects and arrays. */
  void skipValue() {
    skipValue(0);
  }

  private void skipValue(int depth) {
    if (depth > MAX_DEPTH) {
      throw error("nested deeper than " + MAX_DEPTH);
    }
    int c = peek();
    switch (c) {
      case '"' -> readString();
      case '{' -> {
        pos++;
        if (consume('}')) {
          return;
        }
        do {
          readString();
          expect(':');
          skipValue(depth + 1);
        } while (more('}'));
      }
      case '[' -> {
        pos++;
        if (consume(']')) {
          return;
        }
        do {
          skipValue(depth + 1);
        } while (more(']'));
      }
      case 't' -> literal("true");
      case 'f' -> literal("false");
      case 'n' -> literal("null");
      default -> {
        if (!peekNumber()) {
          throw error(c == -1 ? "unexpected end of input" : "unexpected character '"
              + (char) c + "'");
        }
        scanNumber();
      }
    }
  }

  /** Moves past a JSON number; returns whether it was written as an integer. */
  private boolean scanNumber() {
    int start = pos;
    if (pos < end && bytes[pos] == '-') {
      pos++;
    }
    int digits = pos;
    while (pos < end && bytes[pos] >= '0' && bytes[pos] <= '9') {
      pos++;
    }
    if (pos == digits || (bytes[digits] == '0' && pos - digits > 1)) {
      throw error("malformed number");
    }
    boolean integer = true;
    if (pos < end && bytes[pos] == '.') {
      integer = false;
      pos++;
      int fraction = pos;
      while (pos < end && bytes[pos] >= '0' && bytes[pos] <= '9') {
        pos++;
      }
      if (pos == fraction) {
        throw error("malformed number");
      }
    }
    if (pos < end && (bytes[pos] == 'e' || bytes[pos] == 'E')) {
      integer = false;
      pos++;
      if (pos < end && (bytes[pos] == '+' || bytes[pos] == '-')) {
        pos++;
      }
      int exponent = pos;
      while (pos < end && bytes[pos] >= '0' && bytes[pos] <= '9') {
        pos++;
      }
      if (pos == exponent) {
        throw error("malformed number");
      }
    }
    if (pos < end && isLiteralCharacter(bytes[pos])) {
      pos = start;
      throw error("malformed number");
    }
    return integer;
  }

  private void literal(String word) {
    skipWhitespace();
    for (int i = 0; i < word.length(); i++) {
      if (pos + i >= end || bytes[pos + i] != word.charAt(i)) {
        throw error("unexpected character");
      }
    }
    pos += word.length();
    if (pos < end && isLiteralCharacter(bytes[pos])) {
      throw error("unexpected character");
    }
  }

  private static boolean isLiteralCharacter(byte b) {
    return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9')
        || b == '.' || b == '_' || b == '-' || b == '+';
  }

  private void skipWhitespace() {
    byte[] in = bytes;
    int at = pos;
    int limit = end;
    while (at < limit) {
      byte b = in[at];
      if (b != ' ' && b != '\n' && b != '\r' && b != '\t') {
        break;
      }
      at++;
    }
    pos = at;
  }

  IllegalArgumentException error(String problem) {
    return new IllegalArgumentException(problem + " at byte " + pos);
  }
}
