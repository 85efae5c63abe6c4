package io.meshtrace.controlplane.sampling.admin;

import io.meshtrace.controlplane.sampling.InvalidSamplingStrategiesException;
import io.meshtrace.controlplane.sampling.SamplingStrategiesDocument;
import io.meshtrace.controlplane.sampling.SamplingStrategiesJson;
import io.meshtrace.controlplane.sampling.SamplingStrategiesJsonWriter;
import io.meshtrace.storage.sampling.StrategyDocumentLog;
import io.meshtrace.storage.sampling.StrategyDocumentVersion;
import io.vertx.core.Future;
import java.util.List;
import java.util.function.Function;

/**
 * The admin API's strategies as versions of a document: storage's {@link StrategyDocumentLog},
 * read and written as {@link SamplingStrategiesDocument}s. Every change appends the whole
 * document as it is after the change; only validated documents are written.
 */
public final class AdminStrategyVersions {
  /** What a change does to the document, and how to say it in the history. */
  public record Change(SamplingStrategiesDocument document, String description) {}

  private final StrategyDocumentLog log;

  public AdminStrategyVersions(StrategyDocumentLog log) {
    this.log = log;
  }

  /** The newest version, or null when nothing was ever set through the API. */
  public Future<SamplingStrategyVersion> latest() {
    return log.latest().map(latest -> latest == null ? null : version(latest));
  }

  /** The newest version number, 0 when there is none: what replicas poll. */
  public Future<Long> latestVersionNumber() {
    return log.latestVersionNumber();
  }

  /** The newest {@code limit} versions, newest first. */
  public Future<List<SamplingStrategyVersion>> history(int limit) {
    return log.history(limit).map(versions -> versions.stream()
        .map(AdminStrategyVersions::version).toList());
  }

  /**
   * Applies {@code change} to the newest document and stores the result as a new version. The
   * function may throw an IllegalArgumentException (nothing to delete, say): nothing is stored
   * and the future fails with it.
   */
  public Future<SamplingStrategyVersion> change(String changedBy,
      Function<SamplingStrategiesDocument, Change> change) {
    return log.append(changedBy, current -> {
      Change next = change.apply(current == null ? SamplingStrategiesDocument.EMPTY
          : document(current));
      return new StrategyDocumentLog.Change(
          SamplingStrategiesJsonWriter.document(next.document()).encode(), next.description());
    }).map(AdminStrategyVersions::version);
  }

  private static SamplingStrategyVersion version(StrategyDocumentVersion stored) {
    return new SamplingStrategyVersion(stored.version(), stored.changedAt(), stored.changedBy(),
        stored.change(), document(stored.documentJson()));
  }

  private static SamplingStrategiesDocument document(String json) {
    try {
      return SamplingStrategiesJson.parse(json).document();
    } catch (InvalidSamplingStrategiesException e) {
      // Only validated documents are stored: this is a row changed by hand.
      throw new IllegalStateException("the stored admin strategies document is not valid: "
          + e.getMessage(), e);
    }
  }
}
