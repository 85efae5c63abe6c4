package io.meshtrace.collector.fuzz;

import java.util.List;

/** What no answer of meshtrace's may carry: PostgreSQL's (or the writer's) error text. */
public final class Answers {
  /**
   * Fragments of the database's messages (as PostgreSQL words them: {@code relation "spans"
   * does not exist}, {@code syntax error at or near}) and of the writer's refusal; specific
   * enough not to match a decoder's own message ("line 1 column 12").
   */
  public static final List<String> DATABASE_TEXT = List.of("invalid byte sequence", "SQLSTATE",
      "ERROR:", "syntax error at", "relation \"", "storage refused", "PgException", "violates",
      "unsupported Unicode escape", "does not exist", "column \"", "pg_", "PostgreSQL",
      "pgclient");

  private Answers() {}

  /** The first fragment of database text in {@code body}, or null. */
  public static String databaseText(String body) {
    for (String text : DATABASE_TEXT) {
      if (body.contains(text)) {
        return text;
      }
    }
    return null;
  }
}
