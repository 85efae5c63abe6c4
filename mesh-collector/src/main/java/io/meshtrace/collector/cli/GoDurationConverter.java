package io.meshtrace.collector.cli;

import io.meshtrace.collector.config.SettingText;
import java.time.Duration;
import picocli.CommandLine;

/** Durations as the server settings read them ({@link SettingText#duration}), for other flags. */
public final class GoDurationConverter implements CommandLine.ITypeConverter<Duration> {
  @Override
  public Duration convert(String value) {
    try {
      return SettingText.duration(value);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.TypeConversionException(e.getMessage());
    }
  }
}
