package io.meshtrace.time;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class GoDurationTest {
  @Test
  void parsesWhatGoParses() {
    assertThat(GoDuration.parse("0")).isEqualTo(Duration.ZERO);
    assertThat(GoDuration.parse("1.5ms")).isEqualTo(Duration.ofNanos(1_500_000));
    assertThat(GoDuration.parse("2s")).isEqualTo(Duration.ofSeconds(2));
    assertThat(GoDuration.parse("100us")).isEqualTo(Duration.ofNanos(100_000));
    assertThat(GoDuration.parse("100µs")).isEqualTo(Duration.ofNanos(100_000));
    assertThat(GoDuration.parse("1h30m")).isEqualTo(Duration.ofMinutes(90));
    assertThat(GoDuration.parse("-250ms")).isEqualTo(Duration.ofMillis(-250));
    assertThat(GoDuration.parse("+3ns")).isEqualTo(Duration.ofNanos(3));
    assertThat(GoDuration.parse(".5s")).isEqualTo(Duration.ofMillis(500));
    assertThat(GoDuration.parse("1.s")).isEqualTo(Duration.ofSeconds(1));
    assertThat(GoDuration.parse("1h2m3s4ms5us6ns"))
        .isEqualTo(Duration.ofNanos(3_723_004_005_006L));
  }

  @Test
  void refusesWhatGoRefuses() {
    assertThatThrownBy(() -> GoDuration.parse("")).hasMessage("time: invalid duration \"\"");
    assertThatThrownBy(() -> GoDuration.parse("1")).hasMessage("time: missing unit in duration \"1\"");
    assertThatThrownBy(() -> GoDuration.parse("5d"))
        .hasMessage("time: unknown unit \"d\" in duration \"5d\"");
    assertThatThrownBy(() -> GoDuration.parse("ms")).hasMessageContaining("invalid duration");
    assertThatThrownBy(() -> GoDuration.parse("-")).hasMessageContaining("invalid duration");
    assertThatThrownBy(() -> GoDuration.parse("1..2s")).hasMessageContaining("invalid duration");
    assertThatThrownBy(() -> GoDuration.parse("1 s")).hasMessageContaining("unknown unit \" s\"");
    assertThatThrownBy(() -> GoDuration.parse("3000000h")).hasMessageContaining("invalid duration");
  }

  @Test
  void formatsLikeGo() {
    assertThat(GoDuration.format(Duration.ZERO)).isEqualTo("0s");
    assertThat(GoDuration.format(Duration.ofNanos(999))).isEqualTo("999ns");
    assertThat(GoDuration.format(Duration.ofNanos(100_000))).isEqualTo("100µs");
    assertThat(GoDuration.format(Duration.ofNanos(1_500_000))).isEqualTo("1.5ms");
    assertThat(GoDuration.format(Duration.ofMillis(-250))).isEqualTo("-250ms");
    assertThat(GoDuration.format(Duration.ofMillis(1500))).isEqualTo("1.5s");
    assertThat(GoDuration.format(Duration.ofSeconds(60))).isEqualTo("1m0s");
    assertThat(GoDuration.format(Duration.ofSeconds(3600))).isEqualTo("1h0m0s");
    assertThat(GoDuration.format(Duration.ofMillis(3_723_500))).isEqualTo("1h2m3.5s");
  }
}
