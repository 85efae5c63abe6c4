package io.meshtrace.collector.config;

/** Which parts a meshtrace process runs. */
public enum Mode {
  /** Everything in one process: ingest, query APIs and UI, embedded PostgreSQL by default. */
  ALL_IN_ONE("all-in-one", true, true),
  /** Span intake only. */
  COLLECTOR("collector", true, false),
  /** Query APIs and UI only. */
  QUERY("query", false, true);

  private final String command;
  private final boolean ingest;
  private final boolean query;

  Mode(String command, boolean ingest, boolean query) {
    this.command = command;
    this.ingest = ingest;
    this.query = query;
  }

  public String command() {
    return command;
  }

  public boolean runsIngest() {
    return ingest;
  }

  public boolean runsQuery() {
    return query;
  }
}
