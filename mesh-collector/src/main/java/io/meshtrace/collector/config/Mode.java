package io.meshtrace.collector.config;

/** Which parts a meshtrace process runs. */
public enum Mode {
  /**
   * Everything in one process: ingest, query APIs and UI, the sampling control plane; embedded
   * PostgreSQL by default.
   */
  ALL_IN_ONE("all-in-one", true, true, true),
  /** Span intake only. */
  COLLECTOR("collector", true, false, false),
  /** Kafka to PostgreSQL: stores what collectors with the Kafka sink wrote. */
  INGESTER("ingester", false, false, false),
  /** Query APIs and UI only. */
  QUERY("query", false, true, false),
  /** The sampling control plane only: Jaeger remote sampling over HTTP and gRPC. */
  CONTROL_PLANE("control-plane", false, false, true);

  private final String command;
  private final boolean ingest;
  private final boolean query;
  private final boolean sampling;

  Mode(String command, boolean ingest, boolean query, boolean sampling) {
    this.command = command;
    this.ingest = ingest;
    this.query = query;
    this.sampling = sampling;
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

  /** Whether it serves sampling strategies (the remote sampling listeners). */
  public boolean runsSampling() {
    return sampling;
  }

  /** Whether it reads spans from Kafka into storage. */
  public boolean runsIngester() {
    return this == INGESTER;
  }

  /** Whether it runs the Zipkin listener, which serves both intake and the Zipkin query API. */
  public boolean runsZipkin() {
    return ingest || query;
  }
}
