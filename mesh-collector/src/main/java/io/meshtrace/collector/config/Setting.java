package io.meshtrace.collector.config;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * One setting of a meshtrace server: its name, which is the flag without its dashes
 * ({@code --pg-pool-size}), the key in the {@code --config} YAML file and, upper-cased after
 * {@code MESHTRACE_}, the environment variable; how its text becomes a value; its default,
 * written here once; and its help text. The records of {@link MeshtraceConfig} declare their
 * settings and read them back by setting, not by position.
 *
 * @param <T> the value's type
 */
public final class Setting<T> {
  private final String name;
  private final String paramLabel;
  private final String description;
  private final String defaultText;
  private final Function<String, T> parser;

  private Setting(String name, String paramLabel, String description, String defaultText,
      Function<String, T> parser) {
    this.name = Objects.requireNonNull(name);
    this.paramLabel = paramLabel;
    this.description = description;
    this.defaultText = defaultText;
    this.parser = parser;
  }

  /** The flag without dashes, the YAML key. */
  public String name() {
    return name;
  }

  public String flag() {
    return "--" + name;
  }

  public String paramLabel() {
    return paramLabel;
  }

  public String description() {
    return description;
  }

  /** The default as the user would write it, or null when the setting has none. */
  public String defaultText() {
    return defaultText;
  }

  /** The value of {@link #defaultText()}, or null. */
  public T defaultValue() {
    return defaultText == null ? null : parse(defaultText);
  }

  /**
   * The value of a text given for this setting.
   *
   * @throws IllegalArgumentException saying what is wrong with the text, without naming the
   *     setting (the caller does, and where the text came from)
   */
  public T parse(String text) {
    return parser.apply(text);
  }

  @Override
  public String toString() {
    return flag();
  }

  /** A TCP port, 0 for a free one. */
  public static Setting<Integer> port(String name, int defaultPort, String description) {
    return new Setting<>(name, "PORT", description, Integer.toString(defaultPort),
        SettingText::integer);
  }

  public static Setting<Integer> integer(String name, String paramLabel, int defaultValue,
      String description) {
    return new Setting<>(name, paramLabel, description, Integer.toString(defaultValue),
        SettingText::integer);
  }

  public static Setting<Double> number(String name, String paramLabel, double defaultValue,
      String description) {
    return new Setting<>(name, paramLabel, description, BigDecimal.valueOf(defaultValue)
        .stripTrailingZeros().toPlainString(), SettingText::number);
  }

  public static Setting<Boolean> bool(String name, boolean defaultValue, String description) {
    return new Setting<>(name, "true|false", description, Boolean.toString(defaultValue),
        SettingText::bool);
  }

  /** Text; blank counts as not set (null). */
  public static Setting<String> text(String name, String paramLabel, String defaultValue,
      String description) {
    return new Setting<>(name, paramLabel, description, defaultValue,
        text -> text.isBlank() ? null : text);
  }

  /** A file or directory; blank counts as not set (null). */
  public static Setting<Path> path(String name, String paramLabel, String defaultValue,
      String description) {
    return new Setting<>(name, paramLabel, description, defaultValue,
        text -> text.isBlank() ? null : Path.of(text));
  }

  /** Comma-separated values, trimmed, empty ones left out. */
  public static Setting<List<String>> list(String name, String paramLabel, String defaultValue,
      String description) {
    return new Setting<>(name, paramLabel, description, defaultValue,
        text -> Arrays.stream(text.split(",")).map(String::trim).filter(v -> !v.isEmpty())
            .toList());
  }

  /** Byte counts as {@code 1048576}, {@code 512KiB}, {@code 16MiB}, {@code 1GiB} (or k, m, g). */
  public static Setting<Long> byteSize(String name, String defaultValue, String description) {
    return new Setting<>(name, "SIZE", description, defaultValue, SettingText::byteSize);
  }

  /**
   * Durations as Jaeger's flags write them ({@code 500ms}, {@code 2s}, {@code 1m30s}), or a plain
   * number of seconds ({@code 2}, {@code 0.5}).
   */
  public static Setting<Duration> duration(String name, String defaultValue, String description) {
    return new Setting<>(name, "DURATION", description, defaultValue, SettingText::duration);
  }
}
