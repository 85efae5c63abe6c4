package io.meshtrace.controlplane.slo.file;

import io.meshtrace.controlplane.file.FollowedFile;
import io.meshtrace.controlplane.slo.InvalidObjectivesException;
import io.meshtrace.controlplane.slo.Objective;
import io.meshtrace.controlplane.slo.ObjectivesFile;
import io.meshtrace.controlplane.slo.ObjectivesStatus;
import io.meshtrace.controlplane.slo.SloObserver;
import io.meshtrace.lifecycle.Component;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The objectives of the {@code --slo} file, following its changes as the strategies file is
 * followed: a {@link FollowedFile} (the watch, the reload interval, reads and parsing on a
 * worker one at a time, the last good objectives kept while the file is broken), which this
 * source logs, counts and describes for {@code /readyz}.
 */
public final class FileObjectives implements Component {
  private static final Logger LOG = LoggerFactory.getLogger(FileObjectives.class);
  private static final String SOURCE = "file";

  private final FollowedFile<List<Objective>> followed;
  private final SloObserver observer;
  private final boolean tenancy;
  private volatile ObjectivesStatus status;

  /**
   * @param reloadInterval how often the file is re-read whatever the watch reports; zero for
   *     never (changes are then seen through the watch only)
   * @param tenancy whether requests name their tenant; without, an objective that names one
   *     is warned about, as no request can see it
   */
  public FileObjectives(Vertx vertx, Path file, Duration reloadInterval, boolean tenancy,
      SloObserver observer) {
    this.observer = observer;
    this.tenancy = tenancy;
    this.followed = new FollowedFile<>(vertx, "service level objectives file", file,
        reloadInterval, FileObjectives::parse, new FollowedFile.Listener<>() {
          @Override
          public void loaded(List<Objective> objectives, boolean reloaded) {
            accept(objectives, reloaded);
          }

          @Override
          public void failed(String problem) {
            fail(problem);
          }
        });
  }

  private static List<Objective> parse(byte[] content) throws InvalidObjectivesException {
    try {
      return ObjectivesFile.parse(content);
    } catch (InvalidObjectivesException e) {
      // Told apart from a file that cannot be read at all.
      throw new InvalidObjectivesException(List.of("not valid objectives: " + e.getMessage()));
    }
  }

  @Override
  public String name() {
    return followed.name();
  }

  /**
   * Loads the file and starts following it.
   *
   * @return fails with {@link io.meshtrace.controlplane.file.UnusableFileException} when the
   *     file cannot be read or its objectives are not valid
   */
  @Override
  public Future<Void> start() {
    return followed.start();
  }

  @Override
  public Future<Void> stop() {
    return followed.stop();
  }

  /** The last good file's objectives; null before {@link #start()} succeeded. */
  public List<Objective> current() {
    return followed.current();
  }

  public ObjectivesStatus status() {
    return status;
  }

  public Path file() {
    return followed.file();
  }

  /**
   * Reads the file now and serves it if it changed and is valid.
   *
   * @return whether new objectives are served
   */
  public Future<Boolean> reload() {
    return followed.reload();
  }

  private void accept(List<Objective> objectives, boolean reloaded) {
    status = new ObjectivesStatus(false, "file " + file() + ", loaded " + followed.loadedAt()
        + " (" + objectives.size() + " objectives)");
    LOG.info("Service level objectives {} from {}: {}", reloaded ? "reloaded" : "loaded",
        file(), objectives.stream().map(Objective::name).toList());
    for (Objective objective : objectives) {
      if (!tenancy && objective.tenant() != null) {
        LOG.warn("Objective {} in {} names tenant {}, but tenancy is off (--tenancy): every "
            + "request and span is the default tenant's, so no request sees it", objective.name(),
            file(), objective.tenant());
      }
    }
    observer.objectivesLoaded(SOURCE);
  }

  private void fail(String problem) {
    status = new ObjectivesStatus(true, "file " + file() + " is broken, so the objectives "
        + "loaded " + followed.loadedAt() + " are still served: " + problem);
    LOG.error("Service level objectives file {} not reloaded, the last good objectives (loaded "
        + "{}) are still served: {}", file(), followed.loadedAt(), problem);
    observer.objectivesLoadFailed(SOURCE);
  }
}
