package io.meshtrace.storage.postgres.embedded;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The cluster's {@code pg_hba.conf}. Clusters of meshtrace before issue 18 were made with
 * {@code initdb --auth=trust}: any local user could log in as the superuser. Now every line
 * asks for a password, checked by SCRAM-SHA-256, as initdb writes it for a new cluster.
 */
final class HbaFile {
  static final String METHOD = "scram-sha-256";
  /** A record (local, host, hostssl...) whose method is trust; the method is the first such token. */
  private static final Pattern TRUST_RECORD =
      Pattern.compile("^(\\s*(?:local|host\\w*)\\s(?:.*?\\s)?)trust(\\s.*)?$");

  private final Path path;

  HbaFile(Path pgData) {
    this.path = pgData.resolve("pg_hba.conf");
  }

  /** Whether a record lets someone in without a password. */
  boolean trustsAnyone() throws IOException {
    return Files.readAllLines(path, StandardCharsets.UTF_8).stream()
        .anyMatch(line -> TRUST_RECORD.matcher(line).matches());
  }

  /** Replaces {@code trust} by {@code scram-sha-256} on every record, atomically. */
  void requirePasswords() throws IOException {
    List<String> lines = Files.readAllLines(path, StandardCharsets.UTF_8).stream()
        .map(line -> {
          Matcher record = TRUST_RECORD.matcher(line);
          return record.matches() ? record.group(1) + METHOD
              + (record.group(2) == null ? "" : record.group(2)) : line;
        })
        .toList();
    Path temporary = Files.createTempFile(path.getParent(), "pg_hba.conf.", ".tmp",
        PosixFilePermissions.asFileAttribute(PasswordFile.OWNER_ONLY));
    try {
      Files.write(temporary, lines, StandardCharsets.UTF_8);
      Files.move(temporary, path, StandardCopyOption.ATOMIC_MOVE,
          StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(temporary);
    }
  }
}
