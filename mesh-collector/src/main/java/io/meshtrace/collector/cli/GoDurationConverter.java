package io.meshtrace.collector.cli;

import io.meshtrace.time.GoDuration;
import java.math.BigDecimal;
import java.time.Duration;
import picocli.CommandLine;

/**
 * Durations as Jaeger's flags write them ({@code 500ms}, {@code 2s}, {@code 1m30s}), or a plain
 * number of seconds ({@code 2}, {@code 0.5}).
 */
public final class GoDurationConverter implements CommandLine.ITypeConverter<Duration> {
  @Override
  public Duration convert(String value) {
    String text = value.trim();
    if (text.matches("[+-]?\\d+(\\.\\d+)?")) {
      try {
        return Duration.ofNanos(new BigDecimal(text).movePointRight(9).longValueExact());
      } catch (ArithmeticException e) {
        throw new CommandLine.TypeConversionException("'" + value + "' is too large");
      }
    }
    try {
      return GoDuration.parse(text);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.TypeConversionException("'" + value
          + "' is not a duration (for example 500ms, 2s, 1m30s, or seconds): " + e.getMessage());
    }
  }
}
