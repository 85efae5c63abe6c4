package io.meshtrace.storage.slo;

import io.vertx.core.Future;
import java.util.List;
import java.util.function.Function;

/**
 * The service level objectives set through the admin API, as an append-only log: every change
 * stores the whole document as it is after the change, so the newest entry is what is served
 * and the older ones are the history. Documents are JSON text; the control plane parses and
 * validates them, storage keeps them as given.
 */
public interface ObjectiveDocumentLog {
  /** What a change makes of the newest document, and how to say it in the history. */
  record Change(String documentJson, String description) {}

  /** The newest version, or null when nothing was ever stored. */
  Future<ObjectiveDocumentVersion> latest();

  /** The newest version number, 0 when there is none: cheap, what replicas poll. */
  Future<Long> latestVersionNumber();

  /** The newest {@code limit} versions, newest first. */
  Future<List<ObjectiveDocumentVersion>> history(int limit);

  /**
   * Applies {@code change} to the newest document (null when there is none) and appends the
   * result, serialised against concurrent changes from any replica so that none is lost. When
   * the function throws an IllegalArgumentException (nothing to delete, say) nothing is stored
   * and the future fails with it.
   */
  Future<ObjectiveDocumentVersion> append(String changedBy, Function<String, Change> change);
}
