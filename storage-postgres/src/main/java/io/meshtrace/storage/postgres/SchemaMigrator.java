package io.meshtrace.storage.postgres;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies the versioned SQL migrations under {@code db/migration/} in order, each in its own
 * transaction, recording them in {@code meshtrace_schema_version}.
 *
 * <p>A small runner instead of Flyway or Liquibase: those need a JDBC driver next to the
 * reactive client, and a blocking thread, for what is here a dozen lines: a version table, a
 * checksum per script so that an edited migration is noticed, and a session advisory lock so
 * that replicas starting together apply each migration once.
 */
final class SchemaMigrator {
  private static final Logger LOG = LoggerFactory.getLogger(SchemaMigrator.class);
  private static final long LOCK_KEY = 0x6d657368L; // "mesh"

  record Migration(int version, String description) {
    String resource() {
      return "db/migration/V" + version + "__" + description + ".sql";
    }

    String sql() {
      try (InputStream in = SchemaMigrator.class.getClassLoader().getResourceAsStream(resource())) {
        if (in == null) {
          throw new IllegalStateException("missing migration " + resource());
        }
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** Every migration, oldest first. Append; never edit or renumber one that has shipped. */
  static final List<Migration> MIGRATIONS = List.of(new Migration(1, "spans"),
      new Migration(2, "sampling_strategies"), new Migration(3, "root_span_throughput"),
      new Migration(4, "adaptive_sampling_probabilities"), new Migration(5, "source_positions"),
      new Migration(6, "trace_spans"), new Migration(7, "tenants"),
      new Migration(8, "span_metrics"), new Migration(9, "slo_objectives"),
      new Migration(10, "span_metrics_service_totals"), new Migration(11, "trace_archive"),
      new Migration(12, "dependency_link_hours"));

  private SchemaMigrator() {}

  static Future<Void> migrate(Pool pool) {
    return migrate(pool, MIGRATIONS.get(MIGRATIONS.size() - 1).version());
  }

  /** Up to a version only: for tests of what a migration does to a database made before it. */
  static Future<Void> migrate(Pool pool, int upToVersion) {
    return pool.withConnection(conn -> conn.query("SET client_min_messages = warning").execute()
        .compose(quiet -> conn.query("SELECT pg_advisory_lock(" + LOCK_KEY + ")").execute())
        .compose(locked -> applyPending(conn, upToVersion)
            .eventually(() -> conn.query("SELECT pg_advisory_unlock(" + LOCK_KEY + ")").execute())));
  }

  private static Future<Void> applyPending(SqlConnection conn, int upToVersion) {
    return conn.query("""
            CREATE TABLE IF NOT EXISTS meshtrace_schema_version (
              version     integer     PRIMARY KEY,
              description text        NOT NULL,
              checksum    text        NOT NULL,
              applied_at  timestamptz NOT NULL DEFAULT now()
            )""").execute()
        .compose(created -> conn.query("SELECT version, checksum FROM meshtrace_schema_version")
            .execute())
        .compose(rows -> {
          Map<Integer, String> applied = new HashMap<>();
          for (Row row : rows) {
            applied.put(row.getInteger(0), row.getString(1));
          }
          int newest = MIGRATIONS.get(MIGRATIONS.size() - 1).version();
          for (int version : applied.keySet()) {
            if (version > newest) {
              return Future.failedFuture(new IllegalStateException("the database schema is at "
                  + "version " + version + ", newer than this meshtrace knows (" + newest
                  + "); run a newer meshtrace against this database"));
            }
          }
          Future<Void> chain = Future.succeededFuture();
          for (Migration migration : MIGRATIONS) {
            if (migration.version() > upToVersion) {
              break;
            }
            chain = chain.compose(v -> apply(conn, migration, applied.get(migration.version())));
          }
          return chain;
        });
  }

  private static Future<Void> apply(SqlConnection conn, Migration migration, String appliedChecksum) {
    String sql = migration.sql();
    String checksum = sha256(sql);
    if (appliedChecksum != null) {
      if (!appliedChecksum.equals(checksum)) {
        return Future.failedFuture(new IllegalStateException("migration " + migration.resource()
            + " was changed after it was applied to this database (checksum " + appliedChecksum
            + ", now " + checksum + "); migrations must never be edited, add a new one"));
      }
      return Future.succeededFuture();
    }
    LOG.info("Applying schema migration {}", migration.resource());
    return conn.begin().compose(tx -> conn.query(sql).execute()
        .compose(done -> conn.preparedQuery(
                "INSERT INTO meshtrace_schema_version (version, description, checksum) "
                    + "VALUES ($1, $2, $3)")
            .execute(Tuple.of(migration.version(), migration.description(), checksum)))
        .compose(done -> tx.commit())
        .recover(failure -> tx.rollback().transform(ignored -> Future.failedFuture(
            new IllegalStateException("migration " + migration.resource() + " failed: "
                + failure.getMessage(), failure)))));
  }

  private static String sha256(String text) {
    try {
      return HexFormat.of().formatHex(
          MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
