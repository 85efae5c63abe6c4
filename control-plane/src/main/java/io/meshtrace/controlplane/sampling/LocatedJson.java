package io.meshtrace.controlplane.sampling;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * JSON read into maps, lists, strings, numbers and booleans, remembering where each value starts
 * by its path ({@code service_strategies[2].param}), so that a validation message can say the
 * line and column as well as the field. A key given twice in one object is an error: which of
 * the two Jaeger would use is an accident of its parser.
 */
final class LocatedJson {
  private static final JsonFactory FACTORY = JsonFactory.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .build();

  private final Object root;
  private final Map<String, JsonLocation> locations;

  private LocatedJson(Object root, Map<String, JsonLocation> locations) {
    this.root = root;
    this.locations = locations;
  }

  /**
   * @throws JsonProcessingException for text that is not one JSON value; its location says where
   */
  static LocatedJson parse(String text) throws JsonProcessingException {
    try (JsonParser parser = FACTORY.createParser(text)) {
      Map<String, JsonLocation> locations = new HashMap<>();
      if (parser.nextToken() == null) {
        throw new com.fasterxml.jackson.core.JsonParseException(parser, "the document is empty",
            parser.currentLocation());
      }
      Object root = read(parser, "", locations);
      if (parser.nextToken() != null) {
        throw new JsonParseProblem(parser, "more follows the document's end");
      }
      return new LocatedJson(root, locations);
    } catch (JsonProcessingException e) {
      throw e;
    } catch (IOException e) {
      // Reading a String cannot fail for I/O reasons.
      throw new IllegalStateException(e);
    }
  }

  Object root() {
    return root;
  }

  /** " (line L, column C)" for the value at {@code path}, or "" when it is not known. */
  String where(String path) {
    JsonLocation location = locations.get(path);
    return location == null ? "" : " (" + describe(location) + ")";
  }

  static String describe(JsonLocation location) {
    return "line " + location.getLineNr() + ", column " + location.getColumnNr();
  }

  private static Object read(JsonParser parser, String path, Map<String, JsonLocation> locations)
      throws IOException {
    locations.put(path, parser.currentTokenLocation());
    JsonToken token = parser.currentToken();
    switch (token) {
      case START_OBJECT -> {
        Map<String, Object> object = new LinkedHashMap<>();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
          String name = parser.currentName();
          parser.nextToken();
          object.put(name, read(parser, path.isEmpty() ? name : path + "." + name, locations));
        }
        return object;
      }
      case START_ARRAY -> {
        List<Object> array = new ArrayList<>();
        while (parser.nextToken() != JsonToken.END_ARRAY) {
          array.add(read(parser, path + "[" + array.size() + "]", locations));
        }
        return array;
      }
      case VALUE_STRING -> {
        return parser.getText();
      }
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> {
        return parser.getDoubleValue();
      }
      case VALUE_TRUE, VALUE_FALSE -> {
        return parser.getBooleanValue();
      }
      case VALUE_NULL -> {
        return null;
      }
      default -> throw new JsonParseProblem(parser, "unexpected " + token);
    }
  }

  /** A problem found while parsing, at the token the parser stands on. */
  private static final class JsonParseProblem extends com.fasterxml.jackson.core.JsonParseException {
    private static final long serialVersionUID = 1L;

    JsonParseProblem(JsonParser parser, String message) {
      super(parser, message, parser.currentTokenLocation());
    }
  }
}
