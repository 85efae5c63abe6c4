package io.meshtrace.collector.cli;

import java.util.Locale;
import picocli.CommandLine;

/** Byte counts as {@code 1048576}, {@code 512KiB}, {@code 16MiB}, {@code 1GiB} (or k, m, g). */
public final class ByteSizeConverter implements CommandLine.ITypeConverter<Long> {
  @Override
  public Long convert(String value) {
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
        throw new CommandLine.TypeConversionException("'" + value + "' is negative");
      }
      return Math.multiplyExact(number, multiplier);
    } catch (NumberFormatException | ArithmeticException e) {
      throw new CommandLine.TypeConversionException(
          "'" + value + "' is not a byte size (for example 1048576, 512KiB, 16MiB)");
    }
  }
}
