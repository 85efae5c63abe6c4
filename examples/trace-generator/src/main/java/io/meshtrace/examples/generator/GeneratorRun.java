package io.meshtrace.examples.generator;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Paces generated traces at a rate, batches them into requests and sends them, counting what
 * was accepted. Trace {@code n} is stamped {@code start + n / rate}, whenever it is actually
 * sent, so that a repeated run produces the same timestamps.
 */
public final class GeneratorRun {
  /** Spans wait at most this long for a batch to fill, like a Zipkin reporter's timeout. */
  static final Duration MAX_BATCH_DELAY = Duration.ofMillis(200);

  /**
   * @param traces how many traces to send
   * @param rate traces per second
   * @param batchSize the most spans in one request (a larger trace goes alone)
   * @param start the root of trace 0 starts at this instant
   * @param progressEvery how often {@code progress} hears about a running run
   */
  public record Settings(long traces, double rate, int batchSize, Instant start,
      Duration progressEvery) {
    public Settings {
      if (traces < 0) {
        throw new InvalidOptionException("traces", "is " + traces + " but must not be negative");
      }
      if (!(rate > 0) || Double.isInfinite(rate)) {
        throw new InvalidOptionException("rate", "is " + rate
            + " but must be a number of traces per second above 0");
      }
      if (batchSize < 1) {
        throw new InvalidOptionException("batch-size", "is " + batchSize
            + " but must be at least 1");
      }
    }
  }

  private final TraceGenerator generator;
  private final SpanSender sender;
  private final Settings settings;
  private final Consumer<String> progress;
  private final RunSummary.Counter counter;

  public GeneratorRun(TraceGenerator generator, SpanSender sender, Settings settings,
      Consumer<String> progress) {
    this.generator = generator;
    this.sender = sender;
    this.settings = settings;
    this.progress = progress;
    this.counter = new RunSummary.Counter(generator.topology());
  }

  /**
   * Sends every trace; returns what was sent.
   *
   * @throws SendFailure when a request was not accepted; {@link #summary()} then tells what
   *     was sent before
   */
  public RunSummary run() throws SendFailure, InterruptedException {
    long startMicros = settings.start().getEpochSecond() * 1_000_000
        + settings.start().getNano() / 1000;
    double intervalNanos = 1e9 / settings.rate();
    long began = System.nanoTime();
    counter.began(began);
    long lastProgress = began;
    List<GeneratedTrace> batch = new ArrayList<>();
    int batchSpans = 0;
    long batchOpened = 0;
    for (long i = 0; i < settings.traces(); i++) {
      long due = began + Math.round(i * intervalNanos);
      long wait = due - System.nanoTime();
      if (wait > 0) {
        if (!batch.isEmpty() && System.nanoTime() + wait - batchOpened
            > MAX_BATCH_DELAY.toNanos()) {
          flush(batch);
          batch.clear();
          batchSpans = 0;
          wait = due - System.nanoTime();
        }
        if (wait > 0) {
          Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        }
      }
      if (!generator.sampled(i)) {
        // Not sampled: an SDK would not have recorded it. It keeps its time slot, so that
        // the same seed gives the same timestamps at any probability.
        counter.notSampled();
        continue;
      }
      GeneratedTrace trace = generator.trace(i,
          startMicros + Math.round(i * intervalNanos / 1000));
      if (!batch.isEmpty() && batchSpans + trace.spans().size() > settings.batchSize()) {
        flush(batch);
        batch.clear();
        batchSpans = 0;
      }
      if (batch.isEmpty()) {
        batchOpened = System.nanoTime();
      }
      batch.add(trace);
      batchSpans += trace.spans().size();
      long now = System.nanoTime();
      if (now - lastProgress >= settings.progressEvery().toNanos()) {
        lastProgress = now;
        progress.accept(counter.progressLine(settings.traces(), now));
      }
    }
    if (!batch.isEmpty()) {
      flush(batch);
    }
    return summary();
  }

  private void flush(List<GeneratedTrace> batch) throws SendFailure, InterruptedException {
    try {
      SpanSender.Delivery delivery = sender.send(batch);
      counter.accepted(batch, delivery);
    } catch (SendFailure e) {
      counter.retried(e.retries());
      throw e;
    }
  }

  /** What was accepted so far. */
  public RunSummary summary() {
    return counter.summary(System.nanoTime());
  }
}
