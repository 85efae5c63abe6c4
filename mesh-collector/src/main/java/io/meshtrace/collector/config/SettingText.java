package io.meshtrace.collector.config;

import io.meshtrace.time.GoDuration;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Locale;

/**
 * Reading the text of a setting as a value. Each method throws an IllegalArgumentException that
 * says what is wrong with the text, without naming the setting: the caller names it, and where
 * the text came from.
 */
public final class SettingText {
  private SettingText() {}

  public static int integer(String text) {
    try {
      return Integer.parseInt(text.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + text + "' is not an integer");
    }
  }

  public static double number(String text) {
    try {
      return Double.parseDouble(text.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + text + "' is not a number");
    }
  }

  public static boolean bool(String text) {
    return switch (text.trim().toLowerCase(Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new IllegalArgumentException("'" + text + "' is not true or false");
    };
  }

  /** {@code 1048576}, {@code 512KiB}, {@code 16MiB}, {@code 1GiB} (or k, m, g). */
  public static long byteSize(String value) {
    String text = value.trim().toLowerCase(Locale.ROOT);
    long multiplier = 1;
    for (String[] unit : new String[][] {{"kib", "1024"}, {"mib", "1048576"},
        {"gib", "1073741824"}, {"kb", "1024"}, {"mb", "1048576"}, {"gb", "1073741824"},
        {"k", "1024"}, {"m", "1048576"}, {"g", "1073741824"}, {"b", "1"}}) {
      if (text.endsWith(unit[0])) {
        multiplier = Long.parseLong(unit[1]);
        text = text.substring(0, text.length() - unit[0].length()).trim();
        break;
      }
    }
    try {
      long number = Long.parseLong(text);
      if (number < 0) {
        throw new IllegalArgumentException("'" + value + "' is negative");
      }
      return Math.multiplyExact(number, multiplier);
    } catch (NumberFormatException | ArithmeticException e) {
      throw new IllegalArgumentException(
          "'" + value + "' is not a byte size (for example 1048576, 512KiB, 16MiB)");
    }
  }

  /** As Jaeger's flags write them ({@code 500ms}, {@code 1m30s}), or seconds ({@code 0.5}). */
  public static Duration duration(String value) {
    String text = value.trim();
    if (text.matches("[+-]?\\d+(\\.\\d+)?")) {
      try {
        return Duration.ofNanos(new BigDecimal(text).movePointRight(9).longValueExact());
      } catch (ArithmeticException e) {
        throw new IllegalArgumentException("'" + value + "' is too large");
      }
    }
    try {
      return GoDuration.parse(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("'" + value
          + "' is not a duration (for example 500ms, 2s, 1m30s, or seconds): " + e.getMessage());
    }
  }
}
