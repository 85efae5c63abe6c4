package io.meshtrace.fuzz;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One decoder (or parser, or API) under fuzzing: runs each input on a worker thread with a
 * deadline and sorts the outcome. A result or one of the documented bad-input exceptions is
 * fine; any other throwable (NPE, IndexOutOfBounds, StackOverflowError, OutOfMemoryError...) is
 * a crash and an input still running at the deadline a hang: both fail the property, and the
 * input is saved whole under {@code target/fuzz-failures/} to become a regression test. The deadline is a hang bound
 * (decodes take microseconds), not a speed check.
 *
 * <p>HTTP targets also count answers of 5xx and answers with the database's error text. {@link
 * #report()} prints one line per target, {@code FUZZ target=.. inputs=.. crashes=.. hangs=..
 * 5xx=.. dbtext=..}; with the system property {@code fuzz.results} set to a file, the line is
 * appended there too (bench/fuzz-long.sh collects them).
 */
public final class FuzzTarget {
  /** The code under test, for one input. */
  @FunctionalInterface
  public interface Run {
    void run() throws Exception;
  }

  /** Far beyond any decode: an input that takes this long is in a loop. */
  public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(10);

  private final String name;
  private final Duration deadline;
  private final List<Class<? extends Throwable>> badInput;
  private final AtomicLong inputs = new AtomicLong();
  private final AtomicLong accepted = new AtomicLong();
  private final AtomicLong rejected = new AtomicLong();
  private final AtomicLong crashes = new AtomicLong();
  private final AtomicLong hangs = new AtomicLong();
  private final AtomicLong serverErrors = new AtomicLong();
  private final AtomicLong databaseText = new AtomicLong();
  private final java.util.Map<Integer, AtomicLong> statuses =
      new java.util.concurrent.ConcurrentSkipListMap<>();
  /** From the first input's start to the last one's end: the target's own time. */
  private volatile long firstNanos;
  private volatile long lastNanos;
  private ExecutorService worker = newWorker();

  /**
   * @param badInput the exception types the target documents for input it refuses; their
   *     subclasses count too
   */
  @SafeVarargs
  public FuzzTarget(String name, Duration deadline, Class<? extends Throwable>... badInput) {
    this.name = name;
    this.deadline = deadline;
    this.badInput = List.of(badInput);
  }

  @SafeVarargs
  public FuzzTarget(String name, Class<? extends Throwable>... badInput) {
    this(name, DEFAULT_DEADLINE, badInput);
  }

  /** Runs one input; fails with a description of it on a crash or a hang. */
  public void check(byte[] input, Run run) {
    check(() -> input.length + " bytes, " + save(input), run);
  }

  /** The same for inputs that are text (URLs, file contents). */
  public void check(String input, Run run) {
    check(() -> "text " + quote(input) + " (" + save(input.getBytes(StandardCharsets.UTF_8))
        + ")", run);
  }

  /** A failing input whole, in target/fuzz-failures/, for a regression test. */
  private String save(byte[] input) {
    try {
      Path dir = Files.createDirectories(Path.of("target", "fuzz-failures"));
      Path file = dir.resolve(name + "-" + System.currentTimeMillis() + "-" + inputs.get()
          + ".bin");
      Files.write(file, input);
      return "saved as " + file.toAbsolutePath();
    } catch (IOException e) {
      return "not saved: " + e;
    }
  }

  /** Counts an answer of 5xx (HTTP targets) and fails with the input. */
  public void serverError(String input, String answer) {
    serverErrors.incrementAndGet();
    throw new AssertionError(name + ": 5xx answer " + abbreviate(answer) + " for "
        + quote(input));
  }

  /** Counts an answer that carries the database's own error text, and fails with the input. */
  public void databaseText(String input, String answer) {
    databaseText.incrementAndGet();
    throw new AssertionError(name + ": database error text in " + abbreviate(answer) + " for "
        + quote(input));
  }

  /** Counts an HTTP answer's status, for the summary ({@code statuses={200=.., 400=..}}). */
  public void answered(int status) {
    statuses.computeIfAbsent(status, s -> new AtomicLong()).incrementAndGet();
  }

  private void check(java.util.function.Supplier<String> input, Run run) {
    if (inputs.getAndIncrement() == 0) {
      firstNanos = System.nanoTime();
    }
    try {
      checkOnWorker(input, run);
    } finally {
      lastNanos = System.nanoTime();
    }
  }

  private void checkOnWorker(java.util.function.Supplier<String> input, Run run) {
    Future<?> done = worker.submit(() -> {
      run.run();
      return null;
    });
    try {
      done.get(deadline.toMillis(), TimeUnit.MILLISECONDS);
      accepted.incrementAndGet();
    } catch (TimeoutException e) {
      hangs.incrementAndGet();
      done.cancel(true);
      // The stuck thread may never return: leave it and carry on with a fresh one.
      worker.shutdownNow();
      worker = newWorker();
      throw new AssertionError(name + ": no answer within " + deadline + " for " + input.get());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(name + ": interrupted", e);
    } catch (ExecutionException e) {
      Throwable failure = e.getCause();
      if (isBadInput(failure)) {
        rejected.incrementAndGet();
        return;
      }
      crashes.incrementAndGet();
      throw new AssertionError(name + ": crashed with " + failure + " for " + input.get(),
          failure);
    }
  }

  private boolean isBadInput(Throwable failure) {
    for (Class<? extends Throwable> type : badInput) {
      if (type.isInstance(failure)) {
        return true;
      }
    }
    return false;
  }

  public long inputs() {
    return inputs.get();
  }

  public long accepted() {
    return accepted.get();
  }

  public long rejected() {
    return rejected.get();
  }

  /** The summary line; printed and, with {@code -Dfuzz.results=FILE}, appended to FILE. */
  public String report() {
    String line = String.format(java.util.Locale.ROOT,
        "FUZZ target=%s inputs=%d accepted=%d rejected=%d crashes=%d hangs=%d 5xx=%d dbtext=%d"
            + " seconds=%.1f%s",
        name, inputs.get(), accepted.get(), rejected.get(), crashes.get(), hangs.get(),
        serverErrors.get(), databaseText.get(),
        (lastNanos - firstNanos) / 1e9,
        statuses.isEmpty() ? "" : " statuses=" + statuses.toString().replace(" ", ""));
    System.out.println(line);
    String results = System.getProperty("fuzz.results");
    if (results != null && !results.isBlank()) {
      try {
        Files.writeString(Path.of(results), line + "\n", StandardCharsets.UTF_8,
            StandardOpenOption.CREATE, StandardOpenOption.APPEND);
      } catch (IOException e) {
        System.err.println("cannot append to " + results + ": " + e);
      }
    }
    worker.shutdownNow();
    worker = newWorker();
    return line;
  }

  private static ExecutorService newWorker() {
    return Executors.newSingleThreadExecutor(task -> {
      Thread thread = new Thread(task, "fuzz-input");
      thread.setDaemon(true);
      return thread;
    });
  }

  static String quote(String text) {
    StringBuilder out = new StringBuilder("\"");
    for (int i = 0; i < text.length() && i < 512; i++) {
      char c = text.charAt(i);
      if (c < 0x20 || c == '"' || c == '\\' || c > 0x7e) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    return out.append(text.length() > 512 ? "...\"" : "\"").toString();
  }

  private static String abbreviate(String text) {
    return text.length() <= 300 ? text : text.substring(0, 300) + "...";
  }
}
