package io.meshtrace.storage.postgres.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.tukaani.xz.XZInputStream;

class PostgresArchiveTest {
  /** ELF e_machine values (the System V ABI's registry). */
  private static final int EM_X86_64 = 0x3E;
  private static final int EM_AARCH64 = 0xB7;

  @ParameterizedTest
  @CsvSource({
      // What JVMs report (os.arch), and what uname -m and other tools say.
      "Linux, amd64, LINUX_AMD64",
      "Linux, x86_64, LINUX_AMD64",
      "Linux, aarch64, LINUX_ARM64V8",
      "Linux, arm64, LINUX_ARM64V8",
      "linux, AArch64, LINUX_ARM64V8",
  })
  void picksTheArchiveForEachSupportedArchitecture(String os, String arch,
      PostgresArchive expected) throws IOException {
    assertThat(PostgresArchive.forMachine(os, arch)).isEqualTo(expected);
  }

  @ParameterizedTest
  // 32-bit ARM (a Raspberry Pi on a 32-bit OS), 32-bit x86, and others zonky builds but the jar
  // does not bundle.
  @ValueSource(strings = {"arm", "armv7l", "i386", "x86", "ppc64le", "s390x", "riscv64", ""})
  void anotherArchitectureIsRefusedNamingItAndTheWayOut(String arch) {
    assertThatThrownBy(() -> PostgresArchive.forMachine("Linux", arch))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("architecture '" + arch + "'")
        .hasMessageContaining("amd64 (x86_64) and arm64 (aarch64)")
        .hasMessageContaining("--pg-url");
  }

  @Test
  void anotherOperatingSystemIsRefusedEvenOnASupportedArchitecture() {
    // The bundled binaries are Linux executables; a Mac's JVM says aarch64 too.
    assertThatThrownBy(() -> PostgresArchive.forMachine("Mac OS X", "aarch64"))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("operating system 'Mac OS X' (aarch64)")
        .hasMessageContaining("--pg-url");
    assertThatThrownBy(() -> PostgresArchive.forMachine(null, null))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("operating system ''");
  }

  @Test
  void thisMachineGetsTheArchiveOfItsOwnArchitecture() throws IOException {
    PostgresArchive here = PostgresArchive.forThisMachine();
    assertThat(machineOfPostgresIn(here)).isEqualTo(
        here == PostgresArchive.LINUX_AMD64 ? EM_X86_64 : EM_AARCH64);
  }

  /**
   * Both archives are on the class path (both binaries jars are dependencies), and each holds
   * a {@code bin/postgres} built for the architecture it is picked for: a swapped mapping, or a
   * jar of the wrong architecture, fails here rather than on a board.
   */
  @ParameterizedTest
  @EnumSource(PostgresArchive.class)
  void eachArchiveHoldsAServerForItsArchitecture(PostgresArchive archive) throws IOException {
    assertThat(machineOfPostgresIn(archive)).isEqualTo(
        archive == PostgresArchive.LINUX_AMD64 ? EM_X86_64 : EM_AARCH64);
  }

  /** The ELF machine of the archive's {@code bin/postgres}, read from its header. */
  private static int machineOfPostgresIn(PostgresArchive archive) throws IOException {
    try (InputStream resource = PostgresArchive.class.getClassLoader()
        .getResourceAsStream(archive.resource())) {
      assertThat(resource).as(archive.resource() + " from " + archive.artifact()).isNotNull();
      try (TarArchiveInputStream tar = new TarArchiveInputStream(new XZInputStream(resource))) {
        TarArchiveEntry entry;
        while ((entry = tar.getNextEntry()) != null) {
          if (entry.getName().equals("bin/postgres") && entry.isFile()) {
            byte[] header = tar.readNBytes(20);
            assertThat(header).startsWith(0x7F, 'E', 'L', 'F');
            // e_machine: two bytes at offset 18, in the byte order EI_DATA (offset 5) gives.
            ByteOrder order = header[5] == 2 ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
            return ByteBuffer.wrap(header, 18, 2).order(order).getShort() & 0xFFFF;
          }
        }
      }
    }
    throw new AssertionError(archive.resource() + " has no bin/postgres");
  }
}
