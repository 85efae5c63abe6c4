package io.meshtrace.storage.postgres;

import io.meshtrace.storage.TraceQuery;
import java.util.Map;

/**
 * Whether PostgreSQL text can hold a string exactly as given. It cannot hold NUL (the server
 * refuses the statement with "invalid byte sequence for encoding UTF8"), and an unpaired UTF-16
 * surrogate has no UTF-8 form (the driver would send '?' instead). Ingest replaces both before
 * storing, so a name, key or value that has one was never stored as given: a read asked for it
 * answers "nothing", as for any unknown name, without sending it to the database.
 */
final class StorableText {
  private StorableText() {}

  /** True for null (no criterion) and for text PostgreSQL stores unchanged. */
  static boolean storable(String text) {
    if (text == null) {
      return true;
    }
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '\0') {
        return false;
      }
      if (Character.isHighSurrogate(c)) {
        if (i + 1 == text.length() || !Character.isLowSurrogate(text.charAt(i + 1))) {
          return false;
        }
        i++;
      } else if (Character.isLowSurrogate(c)) {
        return false;
      }
    }
    return true;
  }

  /** Whether every text criterion of the query (names, tag keys and values) is storable. */
  static boolean storable(TraceQuery query) {
    if (!storable(query.serviceName()) || !storable(query.operationName())) {
      return false;
    }
    for (Map.Entry<String, String> tag : query.tags().entrySet()) {
      if (!storable(tag.getKey()) || !storable(tag.getValue())) {
        return false;
      }
    }
    return true;
  }
}
