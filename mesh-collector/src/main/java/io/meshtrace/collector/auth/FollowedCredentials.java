package io.meshtrace.collector.auth;

import io.meshtrace.controlplane.file.FollowedFile;
import io.meshtrace.lifecycle.Component;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The credentials of {@code --auth-file}, following the file as it changes: the repo's {@link
 * FollowedFile} (a watch plus a periodic re-read, ordered blocking reads off the event loop, the
 * last good content kept when an edit breaks the file), logged and counted here. Requests read
 * {@link #current()}, a volatile field: a reload never makes them wait.
 */
public final class FollowedCredentials implements Component {
  private static final Logger LOG = LoggerFactory.getLogger(FollowedCredentials.class);

  private final FollowedFile<Credentials> followed;
  private final AuthObserver observer;

  public FollowedCredentials(Vertx vertx, Path file, Duration reloadInterval,
      AuthObserver observer) {
    this.observer = observer;
    this.followed = new FollowedFile<>(vertx, "credentials file", file, reloadInterval,
        CredentialsFile::parse, new FollowedFile.Listener<>() {
          @Override
          public void loaded(Credentials credentials, boolean reloaded) {
            LOG.info("Credentials {} from {}: {}", reloaded ? "reloaded" : "loaded", file,
                credentials);
            observer.credentialsFileLoaded();
          }

          @Override
          public void failed(String problem) {
            LOG.error("Credentials file {} not reloaded, the credentials loaded {} are still in "
                + "use: {}", file, followed().loadedAt(), problem);
            observer.credentialsFileFailed();
          }
        });
  }

  private FollowedFile<Credentials> followed() {
    return followed;
  }

  @Override
  public String name() {
    return followed.name();
  }

  /** Loads the file (failing with an UnusableFileException) and follows it. */
  @Override
  public Future<Void> start() {
    return followed.start();
  }

  @Override
  public Future<Void> stop() {
    return followed.stop();
  }

  /** The last good credentials; {@link Credentials#NONE} before the first load. */
  public Credentials current() {
    Credentials current = followed.current();
    return current == null ? Credentials.NONE : current;
  }

  /** What is wrong with the file as last read, or null. */
  public String problem() {
    return followed.problem();
  }
}
