package io.meshtrace.storage.postgres.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class EmbeddedPostgresSettingsTest {
  private static final long MIB = 1024 * 1024;

  @Test
  void theDefaultsArePostgresOwn() {
    assertThat(EmbeddedPostgresSettings.DEFAULTS.serverArguments()).containsExactly(
        "-c", "shared_buffers=131072kB", "-c", "max_connections=100");
  }

  @Test
  void sizesArePassedInKilobytes() {
    assertThat(new EmbeddedPostgresSettings(32 * MIB + 8 * 1024, 20).serverArguments())
        .containsExactly("-c", "shared_buffers=32776kB", "-c", "max_connections=20");
  }

  @Test
  void sharedBuffersBelowOneMibOrNotInWholeBlocksAreRefused() {
    assertThatThrownBy(() -> new EmbeddedPostgresSettings(512 * 1024, 20))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("shared_buffers is 524288 bytes but must be at least 1MiB");
    assertThatThrownBy(() -> new EmbeddedPostgresSettings(2 * MIB + 1000, 20))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("shared_buffers is 2098152 bytes but must be a multiple of PostgreSQL's "
            + "8KiB block");
    assertThatThrownBy(() -> new EmbeddedPostgresSettings(Long.MAX_VALUE / 8192 * 8192, 20))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("more than PostgreSQL can address");
    assertThat(new EmbeddedPostgresSettings(MIB, 1).sharedBufferBytes()).isEqualTo(MIB);
  }

  @Test
  void maxConnectionsOutsidePostgresRangeAreRefused() {
    assertThatThrownBy(() -> new EmbeddedPostgresSettings(32 * MIB, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("max_connections is 0 but must be from 1 to 262143");
    assertThatThrownBy(() -> new EmbeddedPostgresSettings(32 * MIB, 262_144))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("262143");
  }
}
