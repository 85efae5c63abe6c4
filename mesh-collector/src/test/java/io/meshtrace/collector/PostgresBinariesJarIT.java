package io.meshtrace.collector;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshtrace.storage.postgres.embedded.PostgresArchive;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shaded jar carries the PostgreSQL server of every architecture it is meant to run on
 * (amd64 and arm64), and on another architecture it refuses to start with a message that says
 * what to do. arm64 itself cannot be run here (no such machine); which binary is picked for it,
 * and that it is an aarch64 executable, is PostgresArchiveTest's.
 */
class PostgresBinariesJarIT {
  /** Each compressed server is 13-14 MB; a truncated or placeholder entry is far smaller. */
  private static final long MIN_ARCHIVE_BYTES = 5_000_000;

  @TempDir
  Path dir;

  @Test
  void theJarContainsTheServerArchiveOfEachArchitecture() throws Exception {
    try (ZipFile jar = new ZipFile(jar())) {
      for (PostgresArchive archive : PostgresArchive.values()) {
        ZipEntry entry = jar.getEntry(archive.resource());
        assertThat(entry).as(archive.resource() + " (" + archive.artifact() + ") in the jar")
            .isNotNull();
        assertThat(entry.getSize()).as(archive.resource()).isGreaterThan(MIN_ARCHIVE_BYTES);
      }
    }
  }

  @Test
  void onAnotherArchitectureAllInOneStopsNamingItAndPointingAtPgUrl() throws Exception {
    // The JVM takes os.arch from the command line, as if it ran on a RISC-V board.
    Process process = new ProcessBuilder(java(), "-Dos.arch=riscv64", "-jar", jar(),
        "all-in-one", "--bind", "127.0.0.1", "--data-dir", dir.resolve("data").toString(),
        "--zipkin-port", "0", "--otlp-grpc-port", "0", "--otlp-http-port", "0",
        "--jaeger-compact-port", "0", "--jaeger-binary-port", "0", "--jaeger-http-port", "0",
        "--query-port", "0", "--sampling-http-port", "0", "--sampling-grpc-port", "0",
        "--xds-port", "0", "--admin-port", "0")
        .redirectErrorStream(true)
        .start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(output).isEqualTo(1);
    assertThat(output).contains("could not start")
        .contains("no PostgreSQL server binaries for the architecture 'riscv64'")
        .contains("--pg-url");
    // Nothing was unpacked or initialised for it.
    assertThat(dir.resolve("data").resolve("postgres")).doesNotExist();
  }

  private static String jar() {
    String jar = System.getProperty("meshtrace.jar");
    assertThat(jar).as("system property meshtrace.jar (set by failsafe)").isNotNull();
    assertThat(Files.exists(Path.of(jar))).as(jar).isTrue();
    return jar;
  }

  private static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }
}
