package io.meshtrace.collector.config;

import io.meshtrace.storage.postgres.embedded.EmbeddedPostgresSettings;
import java.util.List;

/**
 * The memory sizing of the PostgreSQL server meshtrace runs itself (no {@code --pg-url}; unused
 * with one). PostgreSQL's defaults unless given; a small board lowers both (README, "Small boards
 * and arm64").
 *
 * @param sharedBuffers {@code shared_buffers}, bytes
 * @param maxConnections {@code max_connections}
 */
public record EmbeddedPostgresConfig(long sharedBuffers, int maxConnections) {
  /**
   * Connections beyond meshtrace's pools that --embedded-pg-max-connections must leave, so
   * that an operator's psql or pg_dump still gets in while meshtrace holds all of its own.
   */
  public static final int SPARE_CONNECTIONS = 2;

  public static final Setting<Long> EMBEDDED_PG_SHARED_BUFFERS = Setting.byteSize(
      "embedded-pg-shared-buffers",
      EmbeddedPostgresSettings.DEFAULT_SHARED_BUFFER_BYTES / (1024 * 1024) + "MiB",
      "The embedded PostgreSQL's shared_buffers (its page cache, in shared memory): at least "
          + "1MiB, in 8KiB blocks. Unused with --pg-url.");
  public static final Setting<Integer> EMBEDDED_PG_MAX_CONNECTIONS = Setting.integer(
      "embedded-pg-max-connections", "N", EmbeddedPostgresSettings.DEFAULT_MAX_CONNECTIONS,
      "The embedded PostgreSQL's max_connections: at least --pg-pool-size plus "
          + "--pg-write-pool-size plus " + SPARE_CONNECTIONS + " (for psql). Unused with "
          + "--pg-url.");

  public static final List<Setting<?>> SETTINGS = List.of(EMBEDDED_PG_SHARED_BUFFERS,
      EMBEDDED_PG_MAX_CONNECTIONS);

  public EmbeddedPostgresConfig {
    // The storage module's checks, reported against the setting they concern.
    try {
      new EmbeddedPostgresSettings(sharedBuffers, EmbeddedPostgresSettings.DEFAULT_MAX_CONNECTIONS);
    } catch (IllegalArgumentException e) {
      throw new InvalidConfigException(EMBEDDED_PG_SHARED_BUFFERS.name(), e.getMessage());
    }
    try {
      new EmbeddedPostgresSettings(EmbeddedPostgresSettings.DEFAULT_SHARED_BUFFER_BYTES,
          maxConnections);
    } catch (IllegalArgumentException e) {
      throw new InvalidConfigException(EMBEDDED_PG_MAX_CONNECTIONS.name(), e.getMessage());
    }
  }

  public static EmbeddedPostgresConfig from(SettingValues values) {
    return new EmbeddedPostgresConfig(values.get(EMBEDDED_PG_SHARED_BUFFERS),
        values.get(EMBEDDED_PG_MAX_CONNECTIONS));
  }

  /** Checked with the storage settings: meshtrace's pools must fit. */
  void checkPoolsFit(StorageConfig storage) {
    int needed = storage.pgPoolSize() + storage.pgWritePoolSize() + SPARE_CONNECTIONS;
    if (storage.embedded() && maxConnections < needed) {
      throw new InvalidConfigException(EMBEDDED_PG_MAX_CONNECTIONS.name(), "is " + maxConnections
          + " but must be at least " + needed + ": --" + StorageConfig.PG_POOL_SIZE.name() + " ("
          + storage.pgPoolSize() + ") + --" + StorageConfig.PG_WRITE_POOL_SIZE.name() + " ("
          + storage.pgWritePoolSize() + ") + " + SPARE_CONNECTIONS + " spare for psql");
    }
  }

  /** What the embedded server is started with. */
  public EmbeddedPostgresSettings settings() {
    return new EmbeddedPostgresSettings(sharedBuffers, maxConnections);
  }
}
