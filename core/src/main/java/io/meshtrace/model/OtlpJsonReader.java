package io.meshtrace.model;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Reads OTLP JSON straight into protobuf builders, in one pass over the bytes: no JSON tree, no
 * text written back out for a second parser. It follows protobuf's JSON mapping as {@code
 * JsonFormat} reads it, with OTLP's differences: the IDs of spans and links (every bytes field
 * of {@code Span} and {@code Span.Link}) are hex, and an ID that is not hex becomes empty, so
 * that its span is refused alone; enums are numbers or names; 64-bit integers numbers or
 * strings; field names lowerCamelCase or the proto names; unknown fields skipped; {@code null}
 * is the default value.
 */
final class OtlpJsonReader {
  /** As {@code JsonFormat}'s parser: deeper nesting (AnyValue in AnyValue...) is refused. */
  private static final int MAX_DEPTH = 100;
  private static final JsonFactory JSON = JsonFactory.builder()
      .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(2 * MAX_DEPTH + 8)
          .build())
      .build();
  private static final BigInteger UINT64_MAX = BigInteger.ONE.shiftLeft(64).subtract(
      BigInteger.ONE);

  private OtlpJsonReader() {}

  /**
   * @param what the message's name for the error when the body is not an object
   * @throws IllegalArgumentException saying what is malformed
   */
  static void merge(byte[] json, Message.Builder into, String what) {
    try (JsonParser parser = JSON.createParser(json)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        throw new IllegalArgumentException(
            "malformed OTLP JSON: the body must be " + what + " object");
      }
      readObject(parser, into, 1);
      if (parser.nextToken() != null) {
        throw malformed(parser, "unexpected content after the object");
      }
    } catch (IOException e) {
      // Jackson's own parse errors (and a body cut short) say where: pass them on.
      throw new IllegalArgumentException("malformed OTLP JSON: " + e.getMessage(), e);
    }
  }

  /** Reads the fields of the object whose START_OBJECT is the current token. */
  private static void readObject(JsonParser parser, Message.Builder into, int depth)
      throws IOException {
    if (depth > MAX_DEPTH) {
      throw malformed(parser, "nested more than " + MAX_DEPTH + " levels deep");
    }
    Descriptor type = into.getDescriptorForType();
    JsonToken token;
    while ((token = parser.nextToken()) == JsonToken.FIELD_NAME) {
      String name = parser.currentName();
      FieldDescriptor field = type.findFieldByName(name);
      if (field == null) {
        field = byJsonName(type, name);
      }
      JsonToken value = parser.nextToken();
      if (field == null) {
        parser.skipChildren(); // unknown fields are ignored, as OTLP asks of receivers
        continue;
      }
      if (value == JsonToken.VALUE_NULL) {
        continue;
      }
      if (field.isRepeated()) {
        if (value != JsonToken.START_ARRAY) {
          throw malformed(parser, "field " + name + " must be an array");
        }
        while (parser.nextToken() != JsonToken.END_ARRAY) {
          if (parser.currentToken() == JsonToken.VALUE_NULL) {
            throw malformed(parser, "field " + name + " has a null element");
          }
          Object element = readValue(parser, into, field, depth);
          if (element != null) {
            into.addRepeatedField(field, element);
          }
        }
      } else {
        Object single = readValue(parser, into, field, depth);
        if (single != null) {
          into.setField(field, single);
        }
      }
    }
    if (token != JsonToken.END_OBJECT) {
      throw malformed(parser, "expected a field name");
    }
  }

  private static FieldDescriptor byJsonName(Descriptor type, String name) {
    for (FieldDescriptor field : type.getFields()) {
      if (field.getJsonName().equals(name)) {
        return field;
      }
    }
    return null;
  }

  /** The value at the current token, as {@code setField} takes it; null to leave it unset. */
  private static Object readValue(JsonParser parser, Message.Builder parent,
      FieldDescriptor field, int depth) throws IOException {
    JsonToken token = parser.currentToken();
    return switch (field.getJavaType()) {
      case MESSAGE -> {
        if (token != JsonToken.START_OBJECT) {
          throw malformed(parser, "field " + field.getName() + " must be an object");
        }
        Message.Builder child = parent.newBuilderForField(field);
        readObject(parser, child, depth + 1);
        yield child.build();
      }
      case STRING -> {
        if (token != JsonToken.VALUE_STRING) {
          throw malformed(parser, "field " + field.getName() + " must be a string");
        }
        yield parser.getText();
      }
      case BYTE_STRING -> bytes(parser, field);
      case ENUM -> enumValue(parser, field);
      case BOOLEAN -> {
        if (token == JsonToken.VALUE_TRUE || token == JsonToken.VALUE_FALSE) {
          yield token == JsonToken.VALUE_TRUE;
        }
        if (token == JsonToken.VALUE_STRING
            && (parser.getText().equals("true") || parser.getText().equals("false"))) {
          yield Boolean.parseBoolean(parser.getText());
        }
        throw malformed(parser, "field " + field.getName() + " must be true or false");
      }
      case INT -> (int) integer(parser, field, unsigned(field) ? 0xFFFF_FFFFL : Integer.MAX_VALUE,
          unsigned(field) ? 0 : Integer.MIN_VALUE);
      case LONG -> longValue(parser, field);
      case FLOAT -> (float) floating(parser, field);
      case DOUBLE -> floating(parser, field);
    };
  }

  private static boolean unsigned(FieldDescriptor field) {
    return switch (field.getType()) {
      case UINT32, FIXED32, UINT64, FIXED64 -> true;
      default -> false;
    };
  }

  /** Hex for the IDs of spans and links, base64 for every other bytes field. */
  private static ByteString bytes(JsonParser parser, FieldDescriptor field) throws IOException {
    if (parser.currentToken() != JsonToken.VALUE_STRING) {
      throw malformed(parser, "field " + field.getName() + " must be a string");
    }
    String text = parser.getText();
    Descriptor holder = field.getContainingType();
    if (holder == Span.getDescriptor() || holder == Span.Link.getDescriptor()) {
      try {
        return text.length() % 2 == 0 ? ByteString.copyFrom(HexFormat.of().parseHex(text))
            : ByteString.EMPTY;
      } catch (IllegalArgumentException notHex) {
        return ByteString.EMPTY;
      }
    }
    try {
      return ByteString.copyFrom(Base64.getDecoder().decode(text));
    } catch (IllegalArgumentException notBase64) {
      try {
        return ByteString.copyFrom(Base64.getUrlDecoder().decode(text));
      } catch (IllegalArgumentException neither) {
        throw malformed(parser, "field " + field.getName() + " is not base64");
      }
    }
  }

  /** A number (unknown ones kept, as proto3 enums are open) or a name (unknown ones ignored). */
  private static EnumValueDescriptor enumValue(JsonParser parser, FieldDescriptor field)
      throws IOException {
    if (parser.currentToken() == JsonToken.VALUE_STRING) {
      return field.getEnumType().findValueByName(parser.getText());
    }
    int number = (int) integer(parser, field, Integer.MAX_VALUE, Integer.MIN_VALUE);
    return field.getEnumType().findValueByNumberCreatingIfUnknown(number);
  }

  private static long longValue(JsonParser parser, FieldDescriptor field) throws IOException {
    BigInteger value = bigInteger(parser, field);
    BigInteger min = unsigned(field) ? BigInteger.ZERO : BigInteger.valueOf(Long.MIN_VALUE);
    BigInteger max = unsigned(field) ? UINT64_MAX : BigInteger.valueOf(Long.MAX_VALUE);
    if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
      throw malformed(parser, "field " + field.getName() + " is out of range: " + value);
    }
    return value.longValue(); // an unsigned value above Long.MAX_VALUE wraps, as protobuf's
  }

  private static long integer(JsonParser parser, FieldDescriptor field, long max, long min)
      throws IOException {
    BigInteger value = bigInteger(parser, field);
    if (value.compareTo(BigInteger.valueOf(min)) < 0
        || value.compareTo(BigInteger.valueOf(max)) > 0) {
      throw malformed(parser, "field " + field.getName() + " is out of range: " + value);
    }
    return value.longValue();
  }

  /** An integer written as a number (1, 1.0, 1e3) or a string of one. */
  private static BigInteger bigInteger(JsonParser parser, FieldDescriptor field)
      throws IOException {
    JsonToken token = parser.currentToken();
    try {
      if (token == JsonToken.VALUE_NUMBER_INT) {
        return parser.getBigIntegerValue();
      }
      if ((token == JsonToken.VALUE_NUMBER_FLOAT || token == JsonToken.VALUE_STRING)
          && OtlpJsonIntegers.bounded(parser.getText().trim())) {
        return new BigDecimal(parser.getText().trim()).toBigIntegerExact();
      }
    } catch (NumberFormatException | ArithmeticException notAnInteger) {
      // refused below
    }
    throw malformed(parser, "field " + field.getName() + " must be an integer");
  }

  private static double floating(JsonParser parser, FieldDescriptor field) throws IOException {
    JsonToken token = parser.currentToken();
    if (token == JsonToken.VALUE_NUMBER_INT || token == JsonToken.VALUE_NUMBER_FLOAT) {
      return parser.getDoubleValue();
    }
    if (token == JsonToken.VALUE_STRING) {
      String text = parser.getText();
      switch (text) {
        case "NaN":
          return Double.NaN;
        case "Infinity":
          return Double.POSITIVE_INFINITY;
        case "-Infinity":
          return Double.NEGATIVE_INFINITY;
        default:
          try {
            return Double.parseDouble(text);
          } catch (NumberFormatException notANumber) {
            break;
          }
      }
    }
    throw malformed(parser, "field " + field.getName() + " must be a number");
  }

  private static IllegalArgumentException malformed(JsonParser parser, String problem) {
    return new IllegalArgumentException("malformed OTLP JSON: " + problem + " (line "
        + parser.currentLocation().getLineNr() + ", column "
        + parser.currentLocation().getColumnNr() + ")");
  }
}
