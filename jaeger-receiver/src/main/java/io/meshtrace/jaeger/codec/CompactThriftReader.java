package io.meshtrace.jaeger.codec;

/**
 * Thrift's compact protocol: zigzag varints, field IDs as deltas in the type byte, booleans in
 * the field header, doubles little-endian. What the Jaeger agent's UDP port 6831 speaks.
 */
final class CompactThriftReader extends ThriftReader {
  private static final byte PROTOCOL_ID = (byte) 0x82;
  private static final int VERSION = 1;

  /** The field IDs of the structs being read, for the deltas. */
  private final short[] lastFieldIds = new short[64];
  private int structs;
  private short lastFieldId;
  /** A boolean field's value, which the compact protocol keeps in the field header. */
  private int pendingBool = -1;

  CompactThriftReader(byte[] bytes, int offset, int length) {
    super(bytes, offset, length);
  }

  @Override
  MessageHeader readMessageBegin() throws InvalidBatchException {
    byte protocol = readByte();
    if (protocol != PROTOCOL_ID) {
      throw malformed(String.format("not a Thrift compact message: first byte 0x%02x, want 0x82",
          protocol & 0xff));
    }
    byte versionAndType = readByte();
    if ((versionAndType & 0x1f) != VERSION) {
      throw malformed("Thrift compact protocol version " + (versionAndType & 0x1f)
          + ", want " + VERSION);
    }
    int type = (versionAndType >> 5) & 0x07;
    int sequenceId = readVarint32();
    return new MessageHeader(readString(), type, sequenceId);
  }

  @Override
  void structBegin() throws InvalidBatchException {
    super.structBegin();
    if (structs == lastFieldIds.length) {
      throw malformed("structs nested too deep");
    }
    lastFieldIds[structs++] = lastFieldId;
    lastFieldId = 0;
  }

  @Override
  void structEnd() {
    super.structEnd();
    lastFieldId = lastFieldIds[--structs];
  }

  @Override
  int readFieldBegin() throws InvalidBatchException {
    int header = readByte() & 0xff;
    int compactType = header & 0x0f;
    if (compactType == 0) {
      return ThriftType.STOP;
    }
    int delta = header >>> 4;
    short id = delta != 0 ? (short) (lastFieldId + delta) : readI16();
    lastFieldId = id;
    fieldId = id;
    if (compactType == 1 || compactType == 2) {
      pendingBool = compactType == 1 ? 1 : 0;
      return ThriftType.BOOL;
    }
    return type(compactType);
  }

  @Override
  boolean readBool() throws InvalidBatchException {
    if (pendingBool >= 0) {
      boolean value = pendingBool == 1;
      pendingBool = -1;
      return value;
    }
    return readByte() == 1; // in lists, one byte: 1 true, 2 (or 0) false
  }

  @Override
  short readI16() throws InvalidBatchException {
    return (short) zigzag(readVarint32());
  }

  @Override
  int readI32() throws InvalidBatchException {
    return zigzag(readVarint32());
  }

  @Override
  long readI64() throws InvalidBatchException {
    long n = readVarint64();
    return (n >>> 1) ^ -(n & 1);
  }

  @Override
  double readDouble() throws InvalidBatchException {
    need(8);
    long bits = 0;
    for (int i = 7; i >= 0; i--) {
      bits = (bits << 8) | (bytes[position + i] & 0xffL);
    }
    position += 8;
    return Double.longBitsToDouble(bits);
  }

  @Override
  int readLength() throws InvalidBatchException {
    int length = readVarint32();
    if (length < 0) {
      throw malformed("negative length " + length);
    }
    return length;
  }

  @Override
  int readListBegin() throws InvalidBatchException {
    int header = readByte() & 0xff;
    int size = header >>> 4;
    if (size == 15) {
      size = readVarint32();
    }
    int compactType = header & 0x0f;
    elementType = compactType == 1 || compactType == 2 ? ThriftType.BOOL : type(compactType);
    checkCount(size, 1, "a list");
    return size;
  }

  @Override
  int readMapBegin() throws InvalidBatchException {
    int size = readVarint32();
    if (size == 0) {
      keyType = ThriftType.STOP;
      valueType = ThriftType.STOP;
      return 0;
    }
    int types = readByte() & 0xff;
    keyType = elementType(types >>> 4);
    valueType = elementType(types & 0x0f);
    checkCount(size, 2, "a map");
    return size;
  }

  private int elementType(int compactType) throws InvalidBatchException {
    return compactType == 1 || compactType == 2 ? ThriftType.BOOL : type(compactType);
  }

  private int type(int compactType) throws InvalidBatchException {
    return switch (compactType) {
      case 3 -> ThriftType.BYTE;
      case 4 -> ThriftType.I16;
      case 5 -> ThriftType.I32;
      case 6 -> ThriftType.I64;
      case 7 -> ThriftType.DOUBLE;
      case 8 -> ThriftType.STRING;
      case 9 -> ThriftType.LIST;
      case 10 -> ThriftType.SET;
      case 11 -> ThriftType.MAP;
      case 12 -> ThriftType.STRUCT;
      default -> throw malformed("unknown Thrift compact type " + compactType);
    };
  }

  private int readVarint32() throws InvalidBatchException {
    int result = 0;
    for (int shift = 0; shift < 35; shift += 7) {
      byte b = readByte();
      result |= (b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        return result;
      }
    }
    throw malformed("a varint longer than 5 bytes");
  }

  private long readVarint64() throws InvalidBatchException {
    long result = 0;
    for (int shift = 0; shift < 70; shift += 7) {
      byte b = readByte();
      result |= (long) (b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        return result;
      }
    }
    throw malformed("a varint longer than 10 bytes");
  }

  private static int zigzag(int n) {
    return (n >>> 1) ^ -(n & 1);
  }
}
