package io.meshtrace.jaeger.codec;

import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;

/**
 * Reads Thrift values from one array, bounds-checked: a length or count past the end is a
 * {@link InvalidBatchException} naming the offset, never an allocation of that size. The two
 * protocols ({@link CompactThriftReader}, {@link BinaryThriftReader}) differ only in how numbers,
 * headers and lengths are written; types are reported as {@link ThriftType}s either way.
 */
abstract class ThriftReader {
  /** Jaeger's structs nest four deep (batch, span, log, tag); anything far deeper is an attack. */
  private static final int MAX_DEPTH = 32;

  protected final byte[] bytes;
  protected int position;
  protected final int limit;
  /** The ID of the field whose header was read last. */
  protected int fieldId;
  /** The element type of the list or set whose header was read last. */
  protected int elementType;
  protected int keyType;
  protected int valueType;
  private int depth;

  /** A message's header: Jaeger's agent sends {@code emitBatch} as a oneway call. */
  record MessageHeader(String name, int type, int sequenceId) {
    static final int CALL = 1;
    static final int ONEWAY = 4;
  }

  ThriftReader(byte[] bytes, int offset, int length) {
    this.bytes = bytes;
    this.position = offset;
    this.limit = offset + length;
  }

  abstract MessageHeader readMessageBegin() throws InvalidBatchException;

  /** Reads a field header: its type ({@link ThriftType#STOP} at a struct's end) and ID. */
  abstract int readFieldBegin() throws InvalidBatchException;

  abstract boolean readBool() throws InvalidBatchException;

  abstract short readI16() throws InvalidBatchException;

  abstract int readI32() throws InvalidBatchException;

  abstract long readI64() throws InvalidBatchException;

  abstract double readDouble() throws InvalidBatchException;

  /** The length in front of a string or binary value. */
  abstract int readLength() throws InvalidBatchException;

  /** Reads a list or set header: its size, and its element type into {@link #elementType}. */
  abstract int readListBegin() throws InvalidBatchException;

  abstract int readMapBegin() throws InvalidBatchException;

  void structBegin() throws InvalidBatchException {
    if (++depth > MAX_DEPTH) {
      throw malformed("structs nested more than " + MAX_DEPTH + " deep");
    }
  }

  void structEnd() {
    depth--;
  }

  int fieldId() {
    return fieldId;
  }

  int elementType() {
    return elementType;
  }

  byte readByte() throws InvalidBatchException {
    need(1);
    return bytes[position++];
  }

  String readString() throws InvalidBatchException {
    int length = readLength();
    need(length);
    String text = new String(bytes, position, length, StandardCharsets.UTF_8);
    position += length;
    return text;
  }

  ByteString readBinary() throws InvalidBatchException {
    int length = readLength();
    need(length);
    ByteString value = ByteString.copyFrom(bytes, position, length);
    position += length;
    return value;
  }

  /** Whatever a value of this type is, passed over: fields this decoder does not know. */
  void skip(int type) throws InvalidBatchException {
    switch (type) {
      case ThriftType.BOOL -> readBool();
      case ThriftType.BYTE -> readByte();
      case ThriftType.I16 -> readI16();
      case ThriftType.I32 -> readI32();
      case ThriftType.I64 -> readI64();
      case ThriftType.DOUBLE -> readDouble();
      case ThriftType.STRING -> {
        int length = readLength();
        need(length);
        position += length;
      }
      case ThriftType.STRUCT -> {
        structBegin();
        for (int field = readFieldBegin(); field != ThriftType.STOP; field = readFieldBegin()) {
          skip(field);
        }
        structEnd();
      }
      case ThriftType.LIST, ThriftType.SET -> {
        int size = readListBegin();
        int element = elementType;
        enter();
        for (int i = 0; i < size; i++) {
          skip(element);
        }
        depth--;
      }
      case ThriftType.MAP -> {
        int size = readMapBegin();
        int key = keyType;
        int value = valueType;
        enter();
        for (int i = 0; i < size; i++) {
          skip(key);
          skip(value);
        }
        depth--;
      }
      default -> throw malformed("unknown Thrift type " + type);
    }
  }

  private void enter() throws InvalidBatchException {
    if (++depth > MAX_DEPTH) {
      throw malformed("containers nested more than " + MAX_DEPTH + " deep");
    }
  }

  /** A count of elements each at least {@code minBytes} long must fit in what is left. */
  void checkCount(int count, int minBytes, String what) throws InvalidBatchException {
    if (count < 0) {
      throw malformed(what + " has a negative size " + count);
    }
    if ((long) count * minBytes > limit - position) {
      throw malformed(what + " of " + count + " elements runs past the end ("
          + (limit - position) + " bytes left)");
    }
  }

  void need(int count) throws InvalidBatchException {
    if (count < 0) {
      throw malformed("negative length " + count);
    }
    if (count > limit - position) {
      throw malformed(count > 1
          ? "a length of " + count + " bytes runs past the end (" + (limit - position)
              + " bytes left)"
          : "truncated");
    }
  }

  boolean atEnd() {
    return position >= limit;
  }

  InvalidBatchException malformed(String problem) {
    return new InvalidBatchException(problem + " at byte " + position);
  }
}
