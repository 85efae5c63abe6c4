package io.meshtrace.storage.postgres.embedded;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Sets a role's password while the server is down, in PostgreSQL's single-user mode: no
 * listener and no {@code pg_hba.conf} are involved, so neither a cluster that still trusts
 * everyone has to be served on a port meanwhile, nor does one that already asks for a password
 * have to be told the old one (which is how deleting the password file rotates it).
 */
final class RolePassword {
  private static final long TIMEOUT_SECONDS = 120;

  private RolePassword() {}

  /**
   * @param command how to run {@code bin/postgres}: the binary, after the prefix that drops root
   * @param log where the session's output is appended (PostgreSQL's log)
   */
  static void set(List<String> command, Path pgData, Path log, String role, String password)
      throws IOException {
    List<String> single = new ArrayList<>(command);
    single.addAll(List.of("--single", "-D", pgData.toString(), "-c", "unix_socket_directories=",
        "-c", "password_encryption=" + HbaFile.METHOD, "postgres"));
    Process session = new ProcessBuilder(single).redirectErrorStream(true).start();
    // A verifier, not the password: a statement that fails is written to the log.
    String statement = "ALTER ROLE \"" + role + "\" PASSWORD '" + ScramVerifier.of(password)
        + "'\n";
    try (OutputStream in = session.getOutputStream()) {
      in.write(statement.getBytes(StandardCharsets.US_ASCII));
    }
    String output;
    try {
      output = new String(session.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!session.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        session.destroyForcibly();
        throw new IOException("PostgreSQL's single-user mode did not finish setting the "
            + "password within " + TIMEOUT_SECONDS + " s");
      }
    } catch (InterruptedException e) {
      session.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while setting the PostgreSQL password", e);
    }
    Files.writeString(log, output, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
        StandardOpenOption.APPEND);
    // Single-user mode reports a failed statement and goes on: its exit code alone says little.
    if (session.exitValue() != 0 || output.contains("ERROR:") || output.contains("FATAL:")) {
      throw new IOException("could not set the password of role " + role + " in PostgreSQL's "
          + "single-user mode (exit code " + session.exitValue() + "); see " + log);
    }
  }
}
