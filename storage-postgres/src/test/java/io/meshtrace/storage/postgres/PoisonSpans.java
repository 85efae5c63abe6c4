package io.meshtrace.storage.postgres;

import io.vertx.sqlclient.Pool;

/**
 * A real database error raised by some spans alone, as a constraint or a limit would raise it:
 * a trigger refusing spans of one operation name with SQLSTATE P0001, which is neither about
 * the connection nor about text (class 22).
 */
public final class PoisonSpans {
  /** The operation name whose spans the database refuses while the trigger is on. */
  public static final String OPERATION = "poison";

  private PoisonSpans() {}

  public static void refuse(Pool pool) {
    pool.query("""
        CREATE OR REPLACE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF EXISTS (SELECT 1 FROM operations WHERE id = NEW.operation_id
                     AND name = '%s') THEN
            RAISE EXCEPTION 'poison span' USING ERRCODE = 'P0001';
          END IF;
          RETURN NEW;
        END $$""".formatted(OPERATION)).execute().await();
    pool.query("CREATE TRIGGER refuse_poison BEFORE INSERT ON spans FOR EACH ROW "
        + "EXECUTE FUNCTION refuse_poison()").execute().await();
  }

  public static void allow(Pool pool) {
    pool.query("DROP TRIGGER refuse_poison ON spans").execute().await();
  }
}
