package io.meshtrace.model;

/**
 * Whether an integer written as text can be converted in bounded time. An integer field may be
 * written as a decimal with an exponent ({@code 1.7e18}, {@code "1e3"}), which is read through
 * {@code new BigDecimal(text).toBigIntegerExact()}: the 24-character {@code
 * "170000000021391e99961677"} (found by fuzzing) asks for a number of 100 million digits, and the
 * thread decoding it, an event loop, hangs. OTLP's integers are at most 20 digits, so text that
 * is long or has an exponent beyond any 64-bit value is refused before the conversion.
 */
final class OtlpJsonIntegers {
  /** A 64-bit integer has 20 digits; with a sign, a fraction of zeros and an exponent, more. */
  private static final int MAX_TEXT_LENGTH = 64;
  private static final int MAX_EXPONENT = 100;

  private OtlpJsonIntegers() {}

  static boolean bounded(String text) {
    if (text.length() > MAX_TEXT_LENGTH) {
      return false;
    }
    int exponent = Math.max(text.indexOf('e'), text.indexOf('E'));
    if (exponent < 0) {
      return true;
    }
    int digits = 0;
    long value = 0;
    for (int i = exponent + 1; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c >= '0' && c <= '9') {
        value = value * 10 + (c - '0');
        if (++digits > 4) {
          return false;
        }
      }
    }
    return value <= MAX_EXPONENT;
  }
}
