package io.meshtrace.storage.postgres.embedded;

import io.vertx.pgclient.PgConnectOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real PostgreSQL server whose data lives under meshtrace's data directory, started from the
 * binaries on the classpath and stopped with the process.
 *
 * <p>Layout of the data directory: {@code postgres/} is PGDATA, {@code postgres.log} the server's
 * log, {@code meshtrace.lock} held while a meshtrace process owns the directory, {@code
 * postgres-password} (owner-only) the password of the {@value #USER} role. The server listens on
 * 127.0.0.1 only and asks every connection for that password (SCRAM-SHA-256): another user of
 * the machine cannot read or write the spans.
 *
 * <p>Why not zonky's own {@code EmbeddedPostgres}: PostgreSQL refuses to run as root, and
 * containers and CI often are root; here the server then runs inside a user namespace where it
 * is not root. And after a {@code kill -9} of the JVM the old postmaster keeps running on the
 * data directory; the directory lock tells us it is an orphan, so it is stopped and the server
 * restarted on a fresh port, where zonky would refuse to start.
 *
 * <p>All methods block: call them from a worker thread, never an event loop.
 */
public final class EmbeddedPostgres implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedPostgres.class);

  public static final String USER = "meshtrace";
  public static final String DATABASE = "postgres";
  private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(30);
  /** Inside the user namespace PostgreSQL runs as this uid, which maps back to root outside. */
  private static final int NAMESPACE_UID = 65534;

  private final Path dataDir;
  private final Path pgData;
  private final Path binaries;
  private final int port;
  private final String password;
  private final EmbeddedPostgresSettings settings;
  private final FileChannel lockChannel;
  private final FileLock lock;
  private volatile Process process;
  private volatile boolean closed;
  /** Stopped by {@link #stopServer()}: down on purpose, not to be restarted by a supervisor. */
  private volatile boolean heldDown;

  private EmbeddedPostgres(Path dataDir, Path pgData, Path binaries, int port, String password,
      EmbeddedPostgresSettings settings, FileChannel lockChannel, FileLock lock) {
    this.dataDir = dataDir;
    this.pgData = pgData;
    this.binaries = binaries;
    this.port = port;
    this.password = password;
    this.settings = settings;
    this.lockChannel = lockChannel;
    this.lock = lock;
  }

  /**
   * Starts PostgreSQL on {@code dataDir} with PostgreSQL's default memory sizing, creating the
   * cluster on first use.
   *
   * @param binariesCache where the server binaries are unpacked (shared between data dirs)
   */
  public static EmbeddedPostgres start(Path dataDir, Path binariesCache) throws IOException {
    return start(dataDir, binariesCache, EmbeddedPostgresSettings.DEFAULTS);
  }

  /**
   * Starts PostgreSQL on {@code dataDir}, creating the cluster on first use.
   *
   * @param binariesCache where the server binaries are unpacked (shared between data dirs)
   * @param settings its memory sizing, applied at every start (also a supervisor's restart)
   */
  public static EmbeddedPostgres start(Path dataDir, Path binariesCache,
      EmbeddedPostgresSettings settings) throws IOException {
    dataDir = dataDir.toAbsolutePath().normalize();
    Files.createDirectories(dataDir);
    FileChannel lockChannel =
        FileChannel.open(dataDir.resolve("meshtrace.lock"), StandardOpenOption.CREATE,
            StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = lockChannel.tryLock();
    } catch (OverlappingFileLockException heldInThisJvm) {
      lock = null;
    }
    if (lock == null) {
      lockChannel.close();
      throw new IOException("data directory " + dataDir
          + " is in use by another meshtrace process (" + dataDir.resolve("meshtrace.lock")
          + " is locked); stop it or choose another --data-dir");
    }
    try {
      Path binaries = PostgresBinaries.unpack(binariesCache);
      Path pgData = dataDir.resolve("postgres");
      stopOrphan(pgData);
      PasswordFile passwordFile = new PasswordFile(dataDir);
      passwordFile.deleteTemporaries();
      Optional<String> stored = passwordFile.read();
      String password;
      if (!Files.exists(pgData.resolve("PG_VERSION"))) {
        password = stored.orElseGet(PasswordFile::generate);
        initdb(binaries, dataDir, pgData, passwordFile, password);
        if (stored.isEmpty()) {
          passwordFile.write(password);
        }
      } else {
        password = requirePassword(binaries, dataDir, pgData, passwordFile, stored);
      }
      EmbeddedPostgres pg = new EmbeddedPostgres(dataDir, pgData, binaries, freePort(),
          password, settings, lockChannel, lock);
      pg.startServer();
      return pg;
    } catch (IOException | RuntimeException e) {
      lock.release();
      lockChannel.close();
      throw e;
    }
  }

  public int port() {
    return port;
  }

  public String host() {
    return "127.0.0.1";
  }

  /** Where and how to log in: the {@value #USER} role with its password, database {@value #DATABASE}. */
  public PgConnectOptions connectOptions() {
    return new PgConnectOptions().setHost(host()).setPort(port).setUser(USER)
        .setPassword(password).setDatabase(DATABASE);
  }

  /** The file that holds the password, for tools (psql: {@code PGPASSWORD=$(cat ...)}). */
  public Path passwordFile() {
    return new PasswordFile(dataDir).path();
  }

  public Path dataDirectory() {
    return dataDir;
  }

  public boolean isRunning() {
    return process.isAlive();
  }

  /** The postmaster's process, for drills and tests that kill or stop it. */
  public ProcessHandle postmaster() {
    return process.toHandle();
  }

  /** Fast shutdown: open sessions are ended, committed data is on disk. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      stopProcess(process.toHandle(), "PostgreSQL");
    } finally {
      try {
        lock.release();
        lockChannel.close();
      } catch (IOException e) {
        LOG.warn("Could not release {}", dataDir.resolve("meshtrace.lock"), e);
      }
    }
  }

  /**
   * Stops the server but keeps the data directory, for tests in which storage disappears under a
   * running meshtrace; {@link #startServer()} brings it back on the same port.
   */
  public synchronized void stopServer() {
    heldDown = true;
    stopProcess(process.toHandle(), "PostgreSQL");
  }

  /** Starts the server (again) on this instance's port and waits until it accepts connections. */
  public synchronized void startServer() throws IOException {
    if (closed) {
      throw new IllegalStateException("closed");
    }
    heldDown = false;
    if (process != null && process.isAlive()) {
      return;
    }
    process = startPostmaster(binaries, dataDir, pgData, port, settings);
    awaitReady();
  }

  /** Whether the server exited by itself (killed, crashed), neither closed nor stopped here. */
  public boolean exited() {
    Process running = process;
    return !closed && !heldDown && running != null && !running.isAlive();
  }

  /**
   * Starts the server again after it {@link #exited()}, on the same port, so that open pools
   * reconnect by themselves; PostgreSQL replays its WAL, so every commit survives. Does nothing
   * when the server is running, closed or stopped on purpose.
   *
   * @throws IOException when it does not come up (for example while the dead server's backends
   *     still hold its shared memory): try again a little later
   */
  public synchronized void restartAfterExit() throws IOException {
    if (!exited()) {
      return;
    }
    LOG.warn("PostgreSQL (pid {}) exited with code {}; restarting it on port {}", process.pid(),
        process.exitValue(), port);
    stopOrphan(pgData);
    process = startPostmaster(binaries, dataDir, pgData, port, settings);
    awaitReady();
  }

  /** The default place for unpacked binaries: one copy per machine user, in the temp dir. */
  public static Path defaultBinariesCache() {
    return Path.of(System.getProperty("java.io.tmpdir"), "meshtrace-postgres-"
        + System.getProperty("user.name", "user"));
  }

  private void awaitReady() throws IOException {
    long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
    Path pidFile = pgData.resolve("postmaster.pid");
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException("PostgreSQL exited during start-up with code " + process.exitValue()
            + "; the end of " + dataDir.resolve("postgres.log") + ":\n" + logTail());
      }
      // pg_ctl -w waits the same way: the last line of postmaster.pid says "ready".
      try {
        List<String> lines = Files.readAllLines(pidFile, StandardCharsets.UTF_8);
        if (lines.size() >= 8 && lines.get(7).trim().equals("ready")
            && lines.get(0).trim().equals(Long.toString(process.pid()))) {
          LOG.info("PostgreSQL is ready on 127.0.0.1:{} (data in {})", port, pgData);
          return;
        }
      } catch (IOException notYetWritten) {
        // the postmaster writes the file shortly after it starts
      }
      sleep(50);
    }
    stopProcess(process.toHandle(), "PostgreSQL");
    throw new IOException("PostgreSQL did not become ready within " + STARTUP_TIMEOUT.toSeconds()
        + " s; the end of " + dataDir.resolve("postgres.log") + ":\n" + logTail());
  }

  private String logTail() {
    try {
      List<String> lines = Files.readAllLines(dataDir.resolve("postgres.log"), StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  /**
   * A new cluster whose {@value #USER} role has {@code password}, and that asks every
   * connection for it (SCRAM-SHA-256, local and TCP alike).
   */
  private static void initdb(Path binaries, Path dataDir, Path pgData, PasswordFile passwordFile,
      String password) throws IOException {
    // initdb into a sibling directory and rename, so an interrupted initdb never leaves a
    // half-made cluster behind that the next start would take for a real one.
    Path staging = dataDir.resolve("postgres.initdb");
    PostgresBinaries.deleteRecursively(staging);
    Path pwfile = passwordFile.writeTemporary(password);
    List<String> command = new ArrayList<>(dropRootPrefix());
    command.addAll(List.of(binaries.resolve("bin/initdb").toString(),
        "--auth=" + HbaFile.METHOD, "--pwfile=" + pwfile, "--username=" + USER,
        "--set=password_encryption=" + HbaFile.METHOD, "--encoding=UTF8", "--locale=C",
        "--pgdata=" + staging));
    LOG.info("Creating a PostgreSQL cluster in {}", pgData);
    try {
      Process initdb = new ProcessBuilder(command)
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(dataDir.resolve("postgres.log").toFile()))
          .start();
      if (!initdb.waitFor(120, TimeUnit.SECONDS) || initdb.exitValue() != 0) {
        initdb.destroyForcibly();
        throw new IOException("initdb failed; see " + dataDir.resolve("postgres.log"));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while running initdb", e);
    } finally {
      Files.deleteIfExists(pwfile);
    }
    PostgresBinaries.deleteRecursively(pgData);
    Files.move(staging, pgData);
  }

  /**
   * The password of an existing cluster. Without a usable password file (a cluster of a
   * meshtrace that used {@code trust}, a file deleted to rotate the password, or one others
   * could read), or with a {@code pg_hba.conf} that still trusts, a password is set in
   * single-user mode before the server starts, every {@code trust} becomes {@code
   * scram-sha-256}, and the file is written last: a crash at any step is redone at the next
   * start.
   */
  private static String requirePassword(Path binaries, Path dataDir, Path pgData,
      PasswordFile passwordFile, Optional<String> stored) throws IOException {
    HbaFile hba = new HbaFile(pgData);
    boolean trusting = hba.trustsAnyone();
    if (stored.isPresent() && !trusting) {
      return stored.get();
    }
    if (trusting) {
      LOG.warn("The PostgreSQL cluster in {} lets local users in without a password (made by an "
          + "earlier meshtrace); setting a password and requiring it", pgData);
    } else {
      LOG.info("Setting a new password for the PostgreSQL cluster in {}", pgData);
    }
    String password = stored.orElseGet(PasswordFile::generate);
    List<String> postgres = new ArrayList<>(dropRootPrefix());
    postgres.add(binaries.resolve("bin/postgres").toString());
    RolePassword.set(postgres, pgData, dataDir.resolve("postgres.log"), USER, password);
    if (trusting) {
      hba.requirePasswords();
    }
    if (stored.isEmpty()) {
      passwordFile.write(password);
    }
    LOG.info("The password of PostgreSQL's {} role is in {} (owner-only)", USER,
        passwordFile.path());
    return password;
  }

  static Process startPostmaster(Path binaries, Path dataDir, Path pgData, int port,
      EmbeddedPostgresSettings settings) throws IOException {
    List<String> command = new ArrayList<>(dropRootPrefix());
    command.addAll(List.of(binaries.resolve("bin/postgres").toString(),
        "-D", pgData.toString(),
        "-p", Integer.toString(port),
        // Loopback only, and pg_hba.conf asks every connection for the password.
        "-c", "listen_addresses=127.0.0.1",
        "-c", "password_encryption=" + HbaFile.METHOD,
        // No Unix socket: /tmp may not be writable for the namespace user, and TCP is what the
        // pool uses anyway.
        "-c", "unix_socket_directories=",
        "-c", "timezone=UTC",
        "-c", "log_timezone=UTC",
        // The server only lives as long as meshtrace; a little more WAL between checkpoints
        // makes bulk ingest cheaper without risking acknowledged data (fsync stays on).
        "-c", "max_wal_size=2GB",
        "-c", "checkpoint_timeout=15min",
        // Backends that evict dirty buffers ask the kernel to write them out as they go. By
        // default they do not, dirty pages pile up in the page cache, and the kernel flushes
        // hundreds of MB at once, stalling WAL fsyncs (commits) for 200-300 ms; measured in
        // bench/RESULTS.md.
        "-c", "backend_flush_after=512kB"));
    command.addAll(settings.serverArguments());
    return new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(dataDir.resolve("postgres.log").toFile()))
        .start();
  }

  /**
   * PostgreSQL refuses to run with euid 0. As root, run it inside a new user namespace in which
   * it has an ordinary uid; that uid maps back to root outside, so it can still read and write
   * root's files.
   */
  static List<String> dropRootPrefix() {
    if (!isRoot()) {
      return List.of();
    }
    return List.of("unshare", "--user", "--map-user=" + NAMESPACE_UID,
        "--map-group=" + NAMESPACE_UID, "--");
  }

  private static boolean isRoot() {
    try {
      return new com.sun.security.auth.module.UnixSystem().getUid() == 0;
    } catch (LinkageError e) {
      return "root".equals(System.getProperty("user.name"));
    }
  }

  /**
   * A postmaster still running on our PGDATA while we hold the directory lock was left by a
   * process that died without stopping it (kill -9): stop it. A stale pid file whose process is
   * gone is removed, since its pid may since have gone to an unrelated process, which would make
   * PostgreSQL refuse to start.
   */
  private static void stopOrphan(Path pgData) throws IOException {
    Path pidFile = pgData.resolve("postmaster.pid");
    if (!Files.exists(pidFile)) {
      return;
    }
    Optional<ProcessHandle> orphan = Optional.empty();
    try {
      List<String> lines = Files.readAllLines(pidFile, StandardCharsets.UTF_8);
      if (!lines.isEmpty()) {
        long pid = Long.parseLong(lines.get(0).trim());
        orphan = ProcessHandle.of(pid).filter(ProcessHandle::isAlive).filter(h -> h.info()
            .command().map(c -> c.endsWith("/postgres")).orElse(false));
      }
    } catch (NumberFormatException e) {
      // unreadable pid file: treat as stale
    }
    if (orphan.isPresent()) {
      LOG.warn("Stopping PostgreSQL (pid {}) left running on {} by an earlier meshtrace process",
          orphan.get().pid(), pgData);
      stopProcess(orphan.get(), "orphaned PostgreSQL");
    }
    Files.deleteIfExists(pidFile);
  }

  static void stopProcess(ProcessHandle handle, String what) {
    if (!handle.isAlive()) {
      return;
    }
    List<ProcessHandle> children = handle.descendants().toList();
    signal(handle.pid(), "INT"); // fast shutdown
    try {
      handle.onExit().get(SHUTDOWN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      LOG.info("Stopped {} (pid {})", what, handle.pid());
    } catch (Exception e) {
      LOG.warn("{} (pid {}) did not stop within {} s; killing it", what, handle.pid(),
          SHUTDOWN_TIMEOUT.toSeconds());
      handle.destroyForcibly();
    }
    // Backends that outlive a killed postmaster keep its shared memory attached, which would
    // stop the next postmaster from starting.
    for (ProcessHandle child : children) {
      if (child.isAlive()) {
        child.destroyForcibly();
      }
    }
  }

  private static void signal(long pid, String signal) {
    try {
      Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid))
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      kill.waitFor(10, TimeUnit.SECONDS);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(false);
      socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      return socket.getLocalPort();
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for PostgreSQL", e);
    }
  }
}
