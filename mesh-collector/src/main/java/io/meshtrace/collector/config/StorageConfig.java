package io.meshtrace.collector.config;

import io.meshtrace.storage.postgres.PostgresStorageConfig;
import io.meshtrace.storage.postgres.PostgresUrl;
import io.vertx.pgclient.PgConnectOptions;
import java.nio.file.Path;
import java.util.List;

/**
 * Where spans are stored and how much of PostgreSQL the writer and readers use.
 *
 * @param dataDir where the embedded PostgreSQL keeps its data
 * @param pgUrl {@code postgresql://user:pass@host:port/db}, libpq's {@code sslmode} and {@code
 *     sslrootcert} included, or null for the embedded server
 * @param pgCaFile the CA that signed the server's certificate, if not in the URL's {@code
 *     sslrootcert}
 * @param indexedTagKeys attribute keys whose values are indexed per trace
 */
public record StorageConfig(Path dataDir, String pgUrl, Path pgCaFile, int pgPoolSize, int pgWritePoolSize,
    int writerConcurrency,
    int maxBatchSpans, int retentionDays, int partitionsAhead, List<String> indexedTagKeys) {

  public static final Setting<Path> DATA_DIR = Setting.path("data-dir", "DIR",
      "./meshtrace-data", "Where the embedded PostgreSQL keeps its data (unused with --pg-url).");
  public static final Setting<String> PG_URL = Setting.text("pg-url", "URL", null,
      "Use this PostgreSQL server instead of the embedded one: "
          + "postgresql://user:password@host:5432/database, TLS as libpq's "
          + "?sslmode=verify-full&sslrootcert=/path/ca.crt (also require, verify-ca, prefer, "
          + "allow, disable; without sslmode no TLS). Percent-encode @ : / ? # % & + in the "
          + "password.");
  public static final Setting<Path> PG_CA_FILE = Setting.path("pg-ca-file", "FILE", null,
      "CA certificate(s), PEM, that signed the --pg-url server's certificate, as the URL's "
          + "sslrootcert (which wins when both are given); needs sslmode in the URL.");
  public static final Setting<Integer> PG_POOL_SIZE = Setting.integer("pg-pool-size", "N",
      PostgresStorageConfig.DEFAULT_POOL_SIZE, "Connections to PostgreSQL for reads (query "
          + "APIs, sampling), apart from the writer's.");
  public static final Setting<Integer> PG_WRITE_POOL_SIZE = Setting.integer("pg-write-pool-size",
      "N", PostgresStorageConfig.DEFAULT_WRITE_POOL_SIZE, "Connections to PostgreSQL for "
          + "writing spans; more than --writer-concurrency.");
  public static final Setting<Integer> WRITER_CONCURRENCY = Setting.integer(
      "writer-concurrency", "N", PostgresStorageConfig.DEFAULT_WRITER_CONCURRENCY,
      "Span inserts in flight at once; spans arriving meanwhile are committed together in the "
          + "next insert.");
  public static final Setting<Integer> MAX_BATCH_SPANS = Setting.integer("max-batch-spans", "N",
      PostgresStorageConfig.DEFAULT_MAX_BATCH_SPANS,
      "Most spans in one insert (a larger single request is never split).");
  public static final Setting<Integer> RETENTION_DAYS = Setting.integer("retention-days", "DAYS",
      PostgresStorageConfig.DEFAULT_RETENTION_DAYS, "Days of spans kept; older spans are refused.");
  public static final Setting<Integer> PARTITIONS_AHEAD = Setting.integer("partitions-ahead",
      "DAYS", PostgresStorageConfig.DEFAULT_PARTITION_DAYS_AHEAD,
      "Daily partitions created ahead of today.");
  public static final Setting<List<String>> INDEXED_TAG_KEYS = Setting.list("indexed-tag-keys",
      "KEYS", PostgresStorageConfig.DEFAULT_INDEXED_TAG_KEY,
      "Span attribute keys whose values are indexed per trace, for fast searches by values that "
          + "name one request (empty for none). Each costs about 100 bytes a trace and value.");

  public static final List<Setting<?>> SETTINGS = List.of(DATA_DIR, PG_URL, PG_CA_FILE, PG_POOL_SIZE,
      PG_WRITE_POOL_SIZE, WRITER_CONCURRENCY, MAX_BATCH_SPANS, RETENTION_DAYS, PARTITIONS_AHEAD, INDEXED_TAG_KEYS);

  public StorageConfig {
    if (dataDir == null) {
      throw new InvalidConfigException(DATA_DIR.name(), "must be a directory");
    }
    if (pgCaFile != null) {
      if (pgUrl == null) {
        throw new InvalidConfigException(PG_CA_FILE.name(), "is only for a server given by "
            + PG_URL.name() + " (the embedded one needs no TLS: it listens on 127.0.0.1)");
      }
      try {
        PostgresUrl.checkCaFile(pgCaFile, "--" + PG_CA_FILE.name());
      } catch (IllegalArgumentException e) {
        throw new InvalidConfigException(PG_CA_FILE.name(), e.getMessage());
      }
    }
    if (pgUrl != null) {
      // Parsed once here, so that a wrong URL, sslmode or CA file stops start-up naming it.
      connectOptions(pgUrl, pgCaFile);
    }
    Validate.atLeast(PG_POOL_SIZE, pgPoolSize, 2);
    Validate.atLeast(WRITER_CONCURRENCY, writerConcurrency, 1);
    if (writerConcurrency >= pgWritePoolSize) {
      throw new InvalidConfigException(WRITER_CONCURRENCY.name(), "is " + writerConcurrency
          + " but must be less than " + PG_WRITE_POOL_SIZE.name() + " (" + pgWritePoolSize
          + ") so that dictionaries and partitions still get a connection while inserts run");
    }
    Validate.atLeast(MAX_BATCH_SPANS, maxBatchSpans, 1);
    Validate.atLeast(RETENTION_DAYS, retentionDays, 1);
    Validate.atLeast(PARTITIONS_AHEAD, partitionsAhead, 0);
    indexedTagKeys = List.copyOf(indexedTagKeys == null ? List.of() : indexedTagKeys);
    for (String key : indexedTagKeys) {
      if (key.isBlank() || key.length() > 256) {
        throw new InvalidConfigException(INDEXED_TAG_KEYS.name(), "'" + key
            + "' is not an attribute key (1 to 256 characters)");
      }
    }
  }

  public static StorageConfig from(SettingValues values) {
    return new StorageConfig(values.get(DATA_DIR), values.get(PG_URL), values.get(PG_CA_FILE),
        values.get(PG_POOL_SIZE),
        values.get(PG_WRITE_POOL_SIZE), values.get(WRITER_CONCURRENCY), values.get(MAX_BATCH_SPANS), values.get(RETENTION_DAYS),
        values.get(PARTITIONS_AHEAD), values.get(INDEXED_TAG_KEYS));
  }

  /** Whether meshtrace runs its own PostgreSQL (no {@code --pg-url}). */
  public boolean embedded() {
    return pgUrl == null;
  }

  /** Where {@link #pgUrl} connects, TLS included; only with a URL. */
  public PgConnectOptions pgConnectOptions() {
    return connectOptions(pgUrl, pgCaFile);
  }

  private static PgConnectOptions connectOptions(String pgUrl, Path pgCaFile) {
    try {
      return PostgresUrl.parse(pgUrl, pgCaFile);
    } catch (IllegalArgumentException e) {
      // The message quotes no credentials (PostgresUrl's promise).
      throw new InvalidConfigException(PG_URL.name(), e.getMessage());
    }
  }

  /** The URL's credentials stay out of logs. */
  @Override
  public String toString() {
    return "StorageConfig[dataDir=" + dataDir + ", pgUrl=" + PostgresUrl.masked(pgUrl)
        + ", pgCaFile=" + pgCaFile + ", pgPoolSize=" + pgPoolSize
        + ", pgWritePoolSize=" + pgWritePoolSize        + ", writerConcurrency=" + writerConcurrency + ", maxBatchSpans=" + maxBatchSpans
        + ", retentionDays=" + retentionDays + ", partitionsAhead=" + partitionsAhead
        + ", indexedTagKeys=" + indexedTagKeys + "]";
  }
}
