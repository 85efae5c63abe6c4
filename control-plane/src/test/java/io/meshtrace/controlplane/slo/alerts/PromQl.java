package io.meshtrace.controlplane.slo.alerts;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Just enough PromQL and Prometheus text format to check rendered rules against an export:
 * the metric selectors of an expression (name and label matchers) and the series of a scrape.
 * Test support, also for mesh-collector's tests against a running server.
 */
public final class PromQl {
  private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "by", "without",
      "on", "ignoring", "group_left", "group_right", "bool", "offset");
  /** Aggregations may put their grouping before the parenthesis: {@code sum by (x) (...)}. */
  private static final Set<String> AGGREGATIONS = Set.of("sum", "min", "max", "avg", "count",
      "stddev", "stdvar", "topk", "bottomk", "quantile", "count_values", "group");

  private PromQl() {}

  /** One label matcher: {@code =}, {@code !=}, {@code =~} or {@code !~}. */
  public record Matcher(String label, String op, String value) {
    /** PromQL's rule: a label a series lacks has the value "". */
    boolean test(Map<String, String> labels) {
      String actual = labels.getOrDefault(label, "");
      return switch (op) {
        case "=" -> actual.equals(value);
        case "!=" -> !actual.equals(value);
        case "=~" -> Pattern.compile(value).matcher(actual).matches();
        default -> !Pattern.compile(value).matcher(actual).matches();
      };
    }
  }

  /** A metric name with its matchers. */
  public record Selector(String metric, List<Matcher> matchers) {
    public boolean matches(Series series) {
      return series.metric().equals(metric)
          && matchers.stream().allMatch(m -> m.test(series.labels()));
    }
  }

  /** One line of a scrape. */
  public record Series(String metric, Map<String, String> labels) {}

  /** Every metric selector of an expression, in order. */
  public static List<Selector> selectors(String expr) {
    List<Selector> selectors = new ArrayList<>();
    int i = 0;
    while (i < expr.length()) {
      char c = expr.charAt(i);
      if (c == '"') {
        i = skipString(expr, i);
      } else if (c == '[') {
        i = expr.indexOf(']', i) + 1;
      } else if (Character.isLetter(c) || c == '_' || c == ':') {
        int start = i;
        while (i < expr.length() && (Character.isLetterOrDigit(expr.charAt(i))
            || expr.charAt(i) == '_' || expr.charAt(i) == ':')) {
          i++;
        }
        String word = expr.substring(start, i);
        int next = i;
        while (next < expr.length() && expr.charAt(next) == ' ') {
          next++;
        }
        boolean call = next < expr.length() && expr.charAt(next) == '(';
        if (KEYWORDS.contains(word)) {
          if ((word.equals("by") || word.equals("without") || word.equals("on")
              || word.equals("ignoring")) && call) {
            i = expr.indexOf(')', next) + 1; // a label list, not a call
          }
          continue;
        }
        if (call || AGGREGATIONS.contains(word)) {
          continue; // a function: sum, rate, vector
        }
        List<Matcher> matchers = new ArrayList<>();
        if (next < expr.length() && expr.charAt(next) == '{') {
          i = matchers(expr, next + 1, matchers);
        }
        selectors.add(new Selector(word, List.copyOf(matchers)));
      } else {
        i++;
      }
    }
    return selectors;
  }

  private static int matchers(String expr, int i, List<Matcher> into) {
    while (expr.charAt(i) != '}') {
      if (expr.charAt(i) == ',' || expr.charAt(i) == ' ') {
        i++;
        continue;
      }
      int start = i;
      while (Character.isLetterOrDigit(expr.charAt(i)) || expr.charAt(i) == '_') {
        i++;
      }
      String label = expr.substring(start, i);
      int opStart = i;
      while ("=!~".indexOf(expr.charAt(i)) >= 0) {
        i++;
      }
      String op = expr.substring(opStart, i);
      int end = skipString(expr, i);
      into.add(new Matcher(label, op, unquote(expr.substring(i, end))));
      i = end;
    }
    return i + 1;
  }

  private static int skipString(String text, int quote) {
    int i = quote + 1;
    while (text.charAt(i) != '"') {
      i += text.charAt(i) == '\\' ? 2 : 1;
    }
    return i + 1;
  }

  private static String unquote(String quoted) {
    StringBuilder out = new StringBuilder();
    for (int i = 1; i < quoted.length() - 1; i++) {
      char c = quoted.charAt(i);
      if (c == '\\') {
        char e = quoted.charAt(++i);
        out.append(switch (e) {
          case 'n' -> '\n';
          case 't' -> '\t';
          case 'r' -> '\r';
          default -> e;
        });
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  /** Every sample line of a scrape in the Prometheus text format. */
  public static List<Series> series(String exposition) {
    List<Series> series = new ArrayList<>();
    for (String line : exposition.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int brace = line.indexOf('{');
      int space = line.indexOf(' ');
      if (brace < 0 || brace > space) {
        series.add(new Series(line.substring(0, space), Map.of()));
        continue;
      }
      Map<String, String> labels = new LinkedHashMap<>();
      int i = brace + 1;
      while (line.charAt(i) != '}') {
        if (line.charAt(i) == ',') {
          i++;
          continue;
        }
        int eq = line.indexOf('=', i);
        int end = skipString(line, eq + 1);
        labels.put(line.substring(i, eq), unquote(line.substring(eq + 1, end)));
        i = end;
      }
      series.add(new Series(line.substring(0, brace), labels));
    }
    return series;
  }
}
