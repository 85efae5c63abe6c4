package io.meshtrace.storage.postgres.embedded;

import java.util.List;

/**
 * The embedded server's memory-sizing parameters, passed on its command line (so they win over
 * anything in its {@code postgresql.conf}). The defaults are PostgreSQL's own; a small board
 * lowers both (storage-postgres/README.md, bench/RESULTS.md "Footprint").
 *
 * @param sharedBufferBytes {@code shared_buffers}: PostgreSQL's page cache, shared memory that
 *     every backend maps (and that each one's RSS counts again once it has touched a page)
 * @param maxConnections {@code max_connections}: the most sessions at once; each one reserves
 *     some shared memory (locks, snapshots) whether it is used or not
 */
public record EmbeddedPostgresSettings(long sharedBufferBytes, int maxConnections) {
  /** PostgreSQL's block: shared_buffers is a number of them. */
  public static final long BLOCK_BYTES = 8 * 1024;
  /** PostgreSQL's default shared_buffers. */
  public static final long DEFAULT_SHARED_BUFFER_BYTES = 128L * 1024 * 1024;
  /** PostgreSQL's default max_connections. */
  public static final int DEFAULT_MAX_CONNECTIONS = 100;
  /**
   * Below this every insert reads and writes its index pages through the kernel; PostgreSQL
   * itself would start with 128 kB.
   */
  public static final long MIN_SHARED_BUFFER_BYTES = 1024 * 1024;
  /** PostgreSQL's own upper limit of max_connections. */
  public static final int MAX_MAX_CONNECTIONS = 262_143;

  public static final EmbeddedPostgresSettings DEFAULTS =
      new EmbeddedPostgresSettings(DEFAULT_SHARED_BUFFER_BYTES, DEFAULT_MAX_CONNECTIONS);

  /**
   * @throws IllegalArgumentException naming the parameter (as {@code shared_buffers} or {@code
   *     max_connections}) that PostgreSQL would refuse or that meshtrace cannot work with
   */
  public EmbeddedPostgresSettings {
    if (sharedBufferBytes < MIN_SHARED_BUFFER_BYTES) {
      throw new IllegalArgumentException("shared_buffers is " + sharedBufferBytes
          + " bytes but must be at least 1MiB");
    }
    if (sharedBufferBytes % BLOCK_BYTES != 0) {
      throw new IllegalArgumentException("shared_buffers is " + sharedBufferBytes
          + " bytes but must be a multiple of PostgreSQL's 8KiB block");
    }
    if (sharedBufferBytes / BLOCK_BYTES > Integer.MAX_VALUE / 2) {
      throw new IllegalArgumentException("shared_buffers is " + sharedBufferBytes
          + " bytes, more than PostgreSQL can address");
    }
    if (maxConnections < 1 || maxConnections > MAX_MAX_CONNECTIONS) {
      throw new IllegalArgumentException("max_connections is " + maxConnections
          + " but must be from 1 to " + MAX_MAX_CONNECTIONS);
    }
  }

  /** The server's {@code -c} arguments for these parameters. */
  List<String> serverArguments() {
    return List.of(
        "-c", "shared_buffers=" + sharedBufferBytes / 1024 + "kB",
        "-c", "max_connections=" + maxConnections);
  }
}
