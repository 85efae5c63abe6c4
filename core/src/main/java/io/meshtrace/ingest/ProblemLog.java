package io.meshtrace.ingest;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;

/**
 * Logs bad input at most once per interval and kind: a client that sends garbage a thousand
 * times a second must not fill the disk, and the one line that is written says how many of its
 * kind were not. The counters, not the log, are the record of how often it happens.
 */
public final class ProblemLog {
  private final Logger log;
  private final long intervalNanos;
  private final ConcurrentHashMap<String, Kind> kinds = new ConcurrentHashMap<>();

  private static final class Kind {
    /** When a line of this kind may next be written (System.nanoTime). */
    final AtomicLong next = new AtomicLong(Long.MIN_VALUE);
    final AtomicLong suppressed = new AtomicLong();
  }

  public ProblemLog(Logger log, Duration interval) {
    this.log = log;
    this.intervalNanos = interval.toNanos();
  }

  /** Once a minute per kind. */
  public ProblemLog(Logger log) {
    this(log, Duration.ofMinutes(1));
  }

  /** Logs the problem at WARN unless one of its kind was logged within the interval. */
  public void warn(String kind, String message) {
    Kind state = kinds.computeIfAbsent(kind, k -> new Kind());
    long now = System.nanoTime();
    long next = state.next.get();
    if ((next != Long.MIN_VALUE && now - next < 0) || !state.next.compareAndSet(next,
        now + intervalNanos)) {
      state.suppressed.incrementAndGet();
      return;
    }
    long suppressed = state.suppressed.getAndSet(0);
    if (suppressed > 0) {
      log.warn("{} ({} more of this kind since the last such line)", message, suppressed);
    } else {
      log.warn(message);
    }
  }
}
