package io.meshtrace.jaeger.codec;

/** Thrift's wire types, numbered as the binary protocol numbers them. */
final class ThriftType {
  static final int STOP = 0;
  static final int BOOL = 2;
  static final int BYTE = 3;
  static final int DOUBLE = 4;
  static final int I16 = 6;
  static final int I32 = 8;
  static final int I64 = 10;
  static final int STRING = 11;
  static final int STRUCT = 12;
  static final int MAP = 13;
  static final int SET = 14;
  static final int LIST = 15;

  private ThriftType() {}

  static boolean known(int type) {
    return switch (type) {
      case BOOL, BYTE, DOUBLE, I16, I32, I64, STRING, STRUCT, MAP, SET, LIST -> true;
      default -> false;
    };
  }

  /** The IDL's name of a type, for error messages. */
  static String name(int type) {
    return switch (type) {
      case STOP -> "stop";
      case BOOL -> "bool";
      case BYTE -> "byte";
      case DOUBLE -> "double";
      case I16 -> "i16";
      case I32 -> "i32";
      case I64 -> "i64";
      case STRING -> "string";
      case STRUCT -> "struct";
      case MAP -> "map";
      case SET -> "set";
      case LIST -> "list";
      default -> "type " + type;
    };
  }
}
