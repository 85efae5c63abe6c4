package io.meshtrace.time;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;

/**
 * Durations written the way Go's {@code time.ParseDuration} reads them and {@code
 * time.Duration.String} writes them, because that is the syntax Jaeger's APIs and its UI use:
 * {@code 1.5ms}, {@code 2s}, {@code 100us} (or {@code µs}), {@code 1h30m}, {@code -250ms},
 * {@code 0}.
 */
public final class GoDuration {
  private static final BigInteger MAX_NANOS = BigInteger.valueOf(Long.MAX_VALUE);

  private GoDuration() {}

  /**
   * Parses a Go duration string.
   *
   * @throws IllegalArgumentException with Go's wording of what is wrong
   */
  public static Duration parse(String text) {
    if (text == null) {
      throw new IllegalArgumentException("time: invalid duration \"\"");
    }
    String s = text;
    int i = 0;
    boolean negative = false;
    if (i < s.length() && (s.charAt(i) == '-' || s.charAt(i) == '+')) {
      negative = s.charAt(i) == '-';
      i++;
    }
    if (s.substring(i).equals("0")) {
      return Duration.ZERO;
    }
    if (i == s.length()) {
      throw invalid(text);
    }
    BigDecimal total = BigDecimal.ZERO;
    while (i < s.length()) {
      int numberStart = i;
      while (i < s.length() && (Character.isDigit(s.charAt(i)) && s.charAt(i) < 128
          || s.charAt(i) == '.')) {
        i++;
      }
      String number = s.substring(numberStart, i);
      if (number.isEmpty() || number.equals(".") || number.indexOf('.') != number.lastIndexOf('.')) {
        throw invalid(text);
      }
      int unitStart = i;
      while (i < s.length() && s.charAt(i) != '.' && !(Character.isDigit(s.charAt(i))
          && s.charAt(i) < 128)) {
        i++;
      }
      String unit = s.substring(unitStart, i);
      if (unit.isEmpty()) {
        throw new IllegalArgumentException("time: missing unit in duration \"" + text + "\"");
      }
      long nanosPerUnit = switch (unit) {
        case "ns" -> 1L;
        case "us", "µs", "μs" -> 1_000L;
        case "ms" -> 1_000_000L;
        case "s" -> 1_000_000_000L;
        case "m" -> 60_000_000_000L;
        case "h" -> 3_600_000_000_000L;
        default -> throw new IllegalArgumentException(
            "time: unknown unit \"" + unit + "\" in duration \"" + text + "\"");
      };
      String digits = number.endsWith(".") ? number + "0" : number;
      digits = digits.startsWith(".") ? "0" + digits : digits;
      total = total.add(new BigDecimal(digits).multiply(BigDecimal.valueOf(nanosPerUnit)));
      if (total.toBigInteger().compareTo(MAX_NANOS) > 0) {
        throw invalid(text);
      }
    }
    long nanos = total.toBigInteger().longValueExact(); // Go truncates fractions of a nanosecond
    return Duration.ofNanos(negative ? -nanos : nanos);
  }

  private static IllegalArgumentException invalid(String text) {
    return new IllegalArgumentException("time: invalid duration \"" + text + "\"");
  }

  /** As Go's {@code Duration.String}: {@code 0s}, {@code 1.5ms}, {@code 100µs}, {@code 1h2m3.5s}. */
  public static String format(Duration duration) {
    long nanos = duration.toNanos();
    if (nanos == 0) {
      return "0s";
    }
    String sign = nanos < 0 ? "-" : "";
    BigInteger u = BigInteger.valueOf(nanos).abs();
    if (u.compareTo(BigInteger.valueOf(1_000_000_000L)) < 0) {
      long v = u.longValue();
      if (v < 1_000) {
        return sign + v + "ns";
      }
      if (v < 1_000_000) {
        return sign + decimal(v, 3) + "µs";
      }
      return sign + decimal(v, 6) + "ms";
    }
    long v = u.min(MAX_NANOS).longValue();
    StringBuilder out = new StringBuilder(sign);
    long minutes = v / 60_000_000_000L;
    long hours = minutes / 60;
    if (hours > 0) {
      out.append(hours).append('h');
    }
    if (minutes > 0) {
      out.append(minutes % 60).append('m');
    }
    out.append(decimal(v % 60_000_000_000L, 9)).append('s');
    return out.toString();
  }

  /** {@code value / 10^scale} in plain decimal without trailing zeros. */
  private static String decimal(long value, int scale) {
    BigDecimal d = BigDecimal.valueOf(value, scale).stripTrailingZeros();
    return d.scale() < 0 ? d.setScale(0).toPlainString() : d.toPlainString();
  }
}
