package io.meshtrace.tls;

import io.meshtrace.lifecycle.Component;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.security.cert.X509Certificate;
import java.time.Duration;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TLS material one listener serves, followed as its files change: the key manager and trust
 * manager it hands out stay the same objects for the life of the listener and answer every new
 * handshake from the last good files. Vert.x's and grpc-java's TLS stacks ask the key manager
 * for the key and chain on each handshake, so a swap here is the whole reload: no listener is
 * rebuilt, connections already open keep the certificate they were set up with.
 *
 * <p>The files are re-read every reload interval and compared by content, not watched:
 * cert-manager and kubelet replace a Secret's files by swapping a symbolic link to a new
 * {@code ..data} directory, which inotify on the file itself never reports, while a read always
 * sees what a new handshake would get. Reads and checks run as ordered blocking tasks on one
 * context, so two reloads never overlap and no event loop waits on the disk.
 *
 * <p>A new set of files that cannot be used (half written, a key that does not belong to the
 * certificate, an unreadable file) leaves the last good material in service: {@link
 * Observer#failed} hears of it once per distinct problem and {@link #problem()} says what is
 * wrong until good files replace it. The first load has nothing to keep, so it fails {@link
 * #start()} with the {@link UnusableTlsFileException}.
 */
public final class ServedTls implements Component {
  private static final Logger LOG = LoggerFactory.getLogger(ServedTls.class);

  /** What the listener's owner does on a load or a failure: log context, count. */
  public interface Observer {
    Observer NONE = new Observer() {};

    /** New material is in service: the first load ({@code reloaded} false) or a reload. */
    default void loaded(X509Certificate certificate, boolean reloaded) {}

    /** Changed files could not be used; the last good material stays in service. */
    default void failed(String problem) {}
  }

  /** A loaded set, numbered so that an alias handed out names the set it came from. */
  record Generation(long number, TlsMaterial material) {}

  private final Vertx vertx;
  private final Context context;
  private final String name;
  private final TlsFiles files;
  private final Duration reloadInterval;
  private final Observer observer;
  private final SwappingKeyManager keyManager = new SwappingKeyManager(this);
  private final SwappingTrustManager trustManager;

  private volatile Generation current;
  /** The set before the last swap, for a handshake that chose its alias just before it. */
  private volatile Generation previous;
  private volatile String problem;
  // Touched only by the ordered blocking tasks of `context`.
  private TlsMaterial.Contents lastSeen;
  private long timer = -1;
  private volatile boolean stopped;

  /**
   * @param name the listener, for logs ({@code query listener})
   * @param reloadInterval how often the files are re-read; zero for never
   */
  public ServedTls(Vertx vertx, String name, TlsFiles files, Duration reloadInterval,
      Observer observer) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.name = name;
    this.files = files;
    this.reloadInterval = reloadInterval;
    this.observer = observer;
    this.trustManager = files.mutual() ? new SwappingTrustManager(this) : null;
  }

  @Override
  public String name() {
    return name + " TLS";
  }

  public TlsFiles files() {
    return files;
  }

  /**
   * Loads the files and starts following them.
   *
   * @return fails with an {@link UnusableTlsFileException} when they cannot be served
   */
  @Override
  public Future<Void> start() {
    return context.<Void>executeBlocking(() -> {
      TlsMaterial.Contents contents = TlsMaterial.read(files);
      TlsMaterial material = TlsMaterial.parse(files, contents);
      lastSeen = contents;
      swap(material);
      LOG.info("{} serves TLS ({}) with {}", name, files.mutual()
          ? "client certificates required, issued by " + files.clientCa() : "no client "
          + "certificates", describe(material.certificate()));
      observer.loaded(material.certificate(), false);
      return null;
    }).onSuccess(v -> context.runOnContext(ignored -> startTimer()));
  }

  /** Whether clients must present a certificate issued by the client CAs. */
  public boolean mutual() {
    return files.mutual();
  }

  /** Always the same object; it answers with the key and chain of the last good files. */
  public X509ExtendedKeyManager keyManager() {
    return keyManager;
  }

  /**
   * Always the same object; it checks client certificates against the last good client CAs.
   * Null when clients need no certificate.
   */
  public X509ExtendedTrustManager trustManager() {
    return trustManager;
  }

  /** The certificate served now; null before {@link #start()} succeeded. */
  public X509Certificate certificate() {
    Generation served = current;
    return served == null ? null : served.material().certificate();
  }

  /** What is wrong with the files as last read; null when they were good. */
  public String problem() {
    return problem;
  }

  /**
   * Reads the files now and serves them if they changed and are good.
   *
   * @return whether new material is in service
   */
  public Future<Boolean> reload() {
    return context.executeBlocking(this::reloadIfChanged);
  }

  Generation current() {
    return current;
  }

  /** The set numbered {@code number}, if it is still held. */
  Generation generation(long number) {
    Generation served = current;
    if (served != null && served.number() == number) {
      return served;
    }
    Generation before = previous;
    return before != null && before.number() == number ? before : null;
  }

  private boolean reloadIfChanged() {
    if (stopped) {
      return false;
    }
    TlsMaterial.Contents contents;
    try {
      contents = TlsMaterial.read(files);
    } catch (UnusableTlsFileException e) {
      lastSeen = null; // whatever comes back next is news
      fail(e.getMessage());
      return false;
    }
    if (contents.sameAs(lastSeen)) {
      return false;
    }
    lastSeen = contents;
    TlsMaterial material;
    try {
      material = TlsMaterial.parse(files, contents);
    } catch (UnusableTlsFileException e) {
      fail(e.getMessage());
      return false;
    }
    X509Certificate before = certificate();
    swap(material);
    problem = null;
    LOG.info("{}: TLS files reloaded, now serving {} (was serial {})", name,
        describe(material.certificate()), before.getSerialNumber().toString(16));
    observer.loaded(material.certificate(), true);
    return true;
  }

  private void swap(TlsMaterial material) {
    Generation served = current;
    previous = served;
    current = new Generation(served == null ? 1 : served.number() + 1, material);
  }

  private void fail(String failure) {
    if (failure.equals(problem)) {
      return; // the same broken files as last time: said already
    }
    problem = failure;
    LOG.error("{}: TLS files not reloaded, the last good certificate is still served ({}): {}",
        name, describe(certificate()), failure);
    observer.failed(failure);
  }

  private static String describe(X509Certificate certificate) {
    return "certificate serial " + certificate.getSerialNumber().toString(16) + " of "
        + certificate.getSubjectX500Principal().getName() + ", valid until "
        + certificate.getNotAfter().toInstant();
  }

  private void startTimer() {
    if (!reloadInterval.isZero() && !stopped) {
      timer = vertx.setPeriodic(Math.max(1, reloadInterval.toMillis()), id -> reload());
    }
  }

  /** Stops following the files; the last good material keeps being served. */
  @Override
  public Future<Void> stop() {
    stopped = true;
    Promise<Void> cancelled = Promise.promise();
    context.runOnContext(v -> {
      if (timer >= 0) {
        vertx.cancelTimer(timer);
      }
      cancelled.complete();
    });
    return cancelled.future();
  }
}
