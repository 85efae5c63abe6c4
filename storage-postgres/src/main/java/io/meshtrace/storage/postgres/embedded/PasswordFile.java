package io.meshtrace.storage.postgres.embedded;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded server's password, in an owner-only file of meshtrace's data directory, beside
 * PGDATA rather than in it (nothing PostgreSQL reads, serves or copies into a base backup).
 *
 * <p>The file exists only once the role has its password: it is written last, after initdb or
 * after the password was set, so that a crash in between leaves no file and the next start
 * simply sets a fresh one. A file others could read is taken as exposed and replaced by a new
 * password, unattended (see {@link #read}), rather than refused as OpenSSH refuses a readable
 * key: meshtrace restarts by itself, and it can set a new password without anyone's help.
 */
final class PasswordFile {
  private static final Logger LOG = LoggerFactory.getLogger(PasswordFile.class);
  static final String NAME = "postgres-password";
  static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
  private static final Set<PosixFilePermission> OTHERS = EnumSet.of(
      PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE,
      PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_READ,
      PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);
  /** 256 bits, base64url: safe unquoted in a URL, a SQL literal and a pwfile. */
  private static final int PASSWORD_BYTES = 32;
  private static final String TEMPORARY_SUFFIX = ".tmp";
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Path path;

  PasswordFile(Path dataDir) {
    this.path = dataDir.resolve(NAME);
  }

  Path path() {
    return path;
  }

  /** A new random password. */
  static String generate() {
    byte[] bytes = new byte[PASSWORD_BYTES];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /**
   * The password to log in with, or empty when a new one must be set: there is no file (a new
   * data directory, one made by a meshtrace that used {@code trust}, or the file was deleted to
   * rotate the password), group or others may read or write it (the password may have been
   * read), or it holds no password meshtrace wrote.
   */
  Optional<String> read() throws IOException {
    PosixFileAttributes attributes;
    try {
      attributes = Files.readAttributes(path, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (java.nio.file.NoSuchFileException absent) {
      return Optional.empty();
    }
    if (!attributes.isRegularFile()) {
      throw new IOException(path + " is not a regular file; remove it and start again, "
          + "meshtrace then sets a new password for the embedded PostgreSQL");
    }
    Set<PosixFilePermission> open = EnumSet.noneOf(PosixFilePermission.class);
    open.addAll(attributes.permissions());
    open.retainAll(OTHERS);
    if (!open.isEmpty()) {
      LOG.warn("{} was accessible to group or others ({}); as its password may have been read, "
          + "a new one replaces it", path, PosixFilePermissions.toString(attributes.permissions()));
      return Optional.empty();
    }
    String password = Files.readString(path, StandardCharsets.US_ASCII).trim();
    if (!password.matches("[A-Za-z0-9_-]{32,}")) {
      LOG.warn("{} does not hold a password meshtrace wrote; a new one replaces it", path);
      return Optional.empty();
    }
    return Optional.of(password);
  }

  /** Writes the file whole (never a half-written one), owner-only from its creation. */
  void write(String password) throws IOException {
    Path temporary = writeTemporary(password);
    Files.move(temporary, path, StandardCopyOption.ATOMIC_MOVE,
        StandardCopyOption.REPLACE_EXISTING);
  }

  /**
   * A new owner-only file with the password, next to the final one, for initdb's
   * {@code --pwfile}; {@link #write} later, or {@link #deleteTemporaries} at the next start.
   */
  Path writeTemporary(String password) throws IOException {
    FileAttribute<Set<PosixFilePermission>> ownerOnly =
        PosixFilePermissions.asFileAttribute(OWNER_ONLY);
    // Created with its permissions, not chmod-ed after: there is no moment when it is readable.
    Path temporary = Files.createTempFile(path.getParent(), NAME + ".", TEMPORARY_SUFFIX, ownerOnly);
    try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE)) {
      channel.write(java.nio.ByteBuffer.wrap(password.getBytes(StandardCharsets.US_ASCII)));
      channel.force(true);
    } catch (IOException e) {
      Files.deleteIfExists(temporary);
      throw e;
    }
    return temporary;
  }

  /** Removes temporary files a process that died left behind. */
  void deleteTemporaries() throws IOException {
    try (DirectoryStream<Path> left =
        Files.newDirectoryStream(path.getParent(), NAME + ".*" + TEMPORARY_SUFFIX)) {
      for (Path file : left) {
        Files.deleteIfExists(file);
      }
    }
  }
}
