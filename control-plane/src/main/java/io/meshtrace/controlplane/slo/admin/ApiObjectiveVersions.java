package io.meshtrace.controlplane.slo.admin;

import io.meshtrace.controlplane.slo.InvalidObjectivesException;
import io.meshtrace.controlplane.slo.Objective;
import io.meshtrace.controlplane.slo.ObjectiveJson;
import io.meshtrace.controlplane.slo.ObjectivesFile;
import io.meshtrace.storage.slo.ObjectiveDocumentLog;
import io.meshtrace.storage.slo.ObjectiveDocumentVersion;
import io.vertx.core.Future;
import java.util.List;
import java.util.function.Function;

/**
 * The admin API's objectives as versions of a document: storage's {@link
 * ObjectiveDocumentLog}, read and written as {@link Objective}s. Every change appends all of
 * them as they are after the change; only validated objectives are written.
 */
public final class ApiObjectiveVersions {
  /** What a change makes of the objectives, and how to say it in the history. */
  public record Change(List<Objective> objectives, String description) {}

  private final ObjectiveDocumentLog log;

  public ApiObjectiveVersions(ObjectiveDocumentLog log) {
    this.log = log;
  }

  /** The newest version, or null when nothing was ever set through the API. */
  public Future<ObjectiveVersion> latest() {
    return log.latest().map(latest -> latest == null ? null : version(latest));
  }

  /** The newest version number, 0 when there is none: what replicas poll. */
  public Future<Long> latestVersionNumber() {
    return log.latestVersionNumber();
  }

  /** The newest {@code limit} versions, newest first. */
  public Future<List<ObjectiveVersion>> history(int limit) {
    return log.history(limit).map(versions -> versions.stream()
        .map(ApiObjectiveVersions::version).toList());
  }

  /**
   * Applies {@code change} to the newest objectives and stores the result as a new version.
   * The function may throw an IllegalArgumentException (nothing to delete, say): nothing is
   * stored and the future fails with it.
   */
  public Future<ObjectiveVersion> change(String changedBy,
      Function<List<Objective>, Change> change) {
    return log.append(changedBy, current -> {
      Change next = change.apply(current == null ? List.of() : objectives(current));
      return new ObjectiveDocumentLog.Change(ObjectiveJson.document(next.objectives()).encode(),
          next.description());
    }).map(ApiObjectiveVersions::version);
  }

  private static ObjectiveVersion version(ObjectiveDocumentVersion stored) {
    return new ObjectiveVersion(stored.version(), stored.changedAt(), stored.changedBy(),
        stored.change(), objectives(stored.documentJson()));
  }

  private static List<Objective> objectives(String json) {
    try {
      return ObjectivesFile.parse(json);
    } catch (InvalidObjectivesException e) {
      // Only validated objectives are stored: this is a row changed by hand, or written by a
      // meshtrace that allowed what this one does not.
      throw new IllegalStateException("the stored admin API objectives are not valid: "
          + e.getMessage(), e);
    }
  }
}
