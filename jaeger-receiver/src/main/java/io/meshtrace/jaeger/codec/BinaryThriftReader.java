package io.meshtrace.jaeger.codec;

/**
 * Thrift's binary protocol: big-endian fixed-width numbers, a type byte and an i16 ID per field.
 * What the Jaeger agent's UDP port 6832 and the collector's HTTP {@code POST /api/traces} speak.
 */
final class BinaryThriftReader extends ThriftReader {
  private static final int VERSION_MASK = 0xffff0000;
  private static final int VERSION_1 = 0x80010000;

  BinaryThriftReader(byte[] bytes, int offset, int length) {
    super(bytes, offset, length);
  }

  @Override
  MessageHeader readMessageBegin() throws InvalidBatchException {
    int first = readI32();
    if (first < 0) { // strict: version and type, then the name
      if ((first & VERSION_MASK) != VERSION_1) {
        throw malformed(String.format("Thrift binary protocol version 0x%08x, want 0x8001....",
            first & VERSION_MASK));
      }
      String name = readString();
      return new MessageHeader(name, first & 0xff, readI32());
    }
    // Old clients: the name's length first, then the type as one byte.
    need(first);
    String name = new String(bytes, position, first, java.nio.charset.StandardCharsets.UTF_8);
    position += first;
    int type = readByte();
    return new MessageHeader(name, type, readI32());
  }

  @Override
  int readFieldBegin() throws InvalidBatchException {
    int type = readByte();
    if (type == ThriftType.STOP) {
      return ThriftType.STOP;
    }
    if (!ThriftType.known(type)) {
      throw malformed("unknown Thrift binary type " + type);
    }
    fieldId = readI16();
    return type;
  }

  @Override
  boolean readBool() throws InvalidBatchException {
    return readByte() != 0;
  }

  @Override
  short readI16() throws InvalidBatchException {
    need(2);
    short value = (short) (((bytes[position] & 0xff) << 8) | (bytes[position + 1] & 0xff));
    position += 2;
    return value;
  }

  @Override
  int readI32() throws InvalidBatchException {
    need(4);
    int value = ((bytes[position] & 0xff) << 24) | ((bytes[position + 1] & 0xff) << 16)
        | ((bytes[position + 2] & 0xff) << 8) | (bytes[position + 3] & 0xff);
    position += 4;
    return value;
  }

  @Override
  long readI64() throws InvalidBatchException {
    need(8);
    long value = 0;
    for (int i = 0; i < 8; i++) {
      value = (value << 8) | (bytes[position + i] & 0xffL);
    }
    position += 8;
    return value;
  }

  @Override
  double readDouble() throws InvalidBatchException {
    return Double.longBitsToDouble(readI64());
  }

  @Override
  int readLength() throws InvalidBatchException {
    int length = readI32();
    if (length < 0) {
      throw malformed("negative length " + length);
    }
    return length;
  }

  @Override
  int readListBegin() throws InvalidBatchException {
    elementType = readByte();
    if (!ThriftType.known(elementType)) {
      throw malformed("a list of unknown Thrift type " + elementType);
    }
    int size = readI32();
    checkCount(size, 1, "a list");
    return size;
  }

  @Override
  int readMapBegin() throws InvalidBatchException {
    keyType = readByte();
    valueType = readByte();
    if (!ThriftType.known(keyType) || !ThriftType.known(valueType)) {
      throw malformed("a map of unknown Thrift types " + keyType + ", " + valueType);
    }
    int size = readI32();
    checkCount(size, 2, "a map");
    return size;
  }
}
