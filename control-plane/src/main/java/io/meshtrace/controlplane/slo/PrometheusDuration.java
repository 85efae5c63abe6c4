package io.meshtrace.controlplane.slo;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Windows written as Prometheus, Sloth and Pyrra write them ({@code 30d}, {@code 4w},
 * {@code 1d12h}, {@code 6h}, {@code 5m}): whole numbers of weeks, days, hours and minutes,
 * largest unit first. An objective's window is in whole hours, because it is read from hourly
 * rollups.
 */
public final class PrometheusDuration {
  private static final Pattern PART = Pattern.compile("(\\d{1,6})([wdhm])");

  private PrometheusDuration() {}

  /**
   * @throws IllegalArgumentException saying what is wrong, without naming the field
   */
  public static Duration parse(String text) {
    Matcher part = PART.matcher(text);
    Duration total = Duration.ZERO;
    int at = 0;
    String units = "wdhm";
    int lastUnit = -1;
    while (at < text.length()) {
      if (!part.find(at) || part.start() != at) {
        throw new IllegalArgumentException("'" + text + "' is not a duration; expected whole "
            + "weeks, days, hours or minutes such as 30d, 4w, 1d12h or 720h");
      }
      int unit = units.indexOf(part.group(2).charAt(0));
      if (unit <= lastUnit) {
        throw new IllegalArgumentException("'" + text + "' repeats a unit or has them out of "
            + "order; write the largest first, such as 1d12h");
      }
      lastUnit = unit;
      long amount = Long.parseLong(part.group(1));
      total = total.plus(switch (part.group(2)) {
        case "w" -> Duration.ofDays(7 * amount);
        case "d" -> Duration.ofDays(amount);
        case "h" -> Duration.ofHours(amount);
        default -> Duration.ofMinutes(amount);
      });
      at = part.end();
    }
    if (text.isEmpty()) {
      throw new IllegalArgumentException("empty; expected a duration such as 30d");
    }
    return total;
  }

  /** The shortest text of whole days, hours or minutes: {@code 30d}, {@code 36h}, {@code 5m}. */
  public static String format(Duration duration) {
    long minutes = duration.toMinutes();
    if (minutes % (24 * 60) == 0) {
      return minutes / (24 * 60) + "d";
    }
    if (minutes % 60 == 0) {
      return minutes / 60 + "h";
    }
    return minutes + "m";
  }
}
