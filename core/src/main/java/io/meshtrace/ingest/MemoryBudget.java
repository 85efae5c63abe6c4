package io.meshtrace.ingest;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;

/**
 * The bytes that requests hold while they are in flight, one budget for the whole process,
 * shared by every HTTP and gRPC receiver. The span-count bound ({@link IngestLimits}) is checked
 * only once a request is decoded; this one is checked before a body is buffered, so that a burst
 * of large requests is refused while it is still on the wire instead of after it filled the
 * heap.
 *
 * <p>A request opens a {@link Reservation} and grows it as it goes: the body as it is read
 * (from {@code Content-Length} before the first byte when there is one), the inflated body as it
 * is inflated, then a estimate of the decoded spans, held until they are committed or refused.
 * Growing past the budget refuses the request with 429 / RESOURCE_EXHAUSTED and a retry hint.
 */
public final class MemoryBudget {
  /** How long a client should wait when the budget is spent: requests in flight take ~1 s. */
  static final Duration RETRY_AFTER = Duration.ofSeconds(1);
  /**
   * Decoded spans per byte of the body they came from. Protobuf spans parsed with aliasing keep
   * the body alive and add their objects; spans decoded from JSON are about the JSON's size.
   */
  static final int DECODED_BYTES_PER_BODY_BYTE = 2;

  /** Where a request was when the budget refused it: a label of the refusals counter. */
  public enum Stage {
    /** Its {@code Content-Length}, before a byte of the body was read. */
    DECLARED_LENGTH,
    /** A chunk of a body without {@code Content-Length}, or longer than declared. */
    READING,
    /** Inflating its gzip body. */
    INFLATING,
    /** Its decoded spans, held until committed. */
    DECODED,
    /** A whole gRPC message (the gRPC server buffers it before a receiver sees it). */
    GRPC_MESSAGE,
    /** A gRPC call refused at its start because the budget is spent. */
    GRPC_CALL;

    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private final long maxBytes;
  private final AtomicLong used = new AtomicLong();
  private final LongAccumulator peak = new LongAccumulator(Math::max, 0);
  private final Map<Stage, LongAdder> refusals = new EnumMap<>(Stage.class);

  public MemoryBudget(long maxBytes) {
    if (maxBytes < 1) {
      throw new IllegalArgumentException("maxBytes must be positive: " + maxBytes);
    }
    this.maxBytes = maxBytes;
    for (Stage stage : Stage.values()) {
      refusals.put(stage, new LongAdder());
    }
  }

  /** A budget no request can exhaust, for tests and tools that do not need one. */
  public static MemoryBudget unbounded() {
    return new MemoryBudget(Long.MAX_VALUE);
  }

  public long maxBytes() {
    return maxBytes;
  }

  /** Bytes reserved now. */
  public long bytesInFlight() {
    return used.get();
  }

  /** The most bytes ever reserved at once: never more than {@link #maxBytes()}. */
  public long peakBytesInFlight() {
    return peak.get();
  }

  /** Requests refused at this stage since start-up. */
  public long refusals(Stage stage) {
    return refusals.get(stage).sum();
  }

  /** Whether nothing more can be reserved now; a cheap gate where sizes are not known yet. */
  public boolean spent() {
    return used.get() >= maxBytes;
  }

  /** Counts a refusal made on this budget's behalf (a gRPC call refused at its start). */
  public IngestException refuse(Stage stage) {
    refusals.get(stage).increment();
    return new IngestException(IngestException.Reason.OVERLOADED, "meshtrace holds "
        + used.get() + " bytes of requests in flight, at its budget of " + maxBytes
        + " (--max-bytes-in-flight); retry later", RETRY_AFTER, null);
  }

  /** A reservation of nothing yet, for one request. */
  public Reservation open() {
    return new Reservation();
  }

  private boolean take(long bytes) {
    long now;
    do {
      now = used.get();
      if (bytes > maxBytes - now) {
        return false;
      }
    } while (!used.compareAndSet(now, now + bytes));
    peak.accumulate(now + bytes);
    return true;
  }

  /**
   * What one request holds. Grown from the event loop and from a worker while it decodes,
   * released from whichever finishes it (an answer, a reset connection): synchronized, and
   * released once whatever calls it first.
   */
  public final class Reservation {
    private long held;
    private boolean released;

    private Reservation() {}

    /**
     * Adds {@code bytes}; when the budget cannot hold them, reserves nothing more, counts the
     * refusal and throws.
     *
     * @throws IngestException OVERLOADED, with a retry hint
     */
    public synchronized void grow(long bytes, Stage stage) {
      if (bytes <= 0) {
        return;
      }
      if (released) {
        // The request was finished (its connection closed) while it was being read or decoded.
        throw new IngestException(IngestException.Reason.INVALID, "the request was abandoned");
      }
      if (!take(bytes)) {
        throw refuse(stage);
      }
      held += bytes;
    }

    /** Holds the estimate of the spans decoded from a body of this many bytes instead. */
    public void holdDecoded(long bodyBytes) {
      resizeTo(bodyBytes * DECODED_BYTES_PER_BODY_BYTE, Stage.DECODED);
    }

    /** Grows or shrinks to {@code bytes}; growing may refuse as {@link #grow} does. */
    public synchronized void resizeTo(long bytes, Stage stage) {
      if (bytes > held) {
        grow(bytes - held, stage);
      } else if (!released) {
        used.addAndGet(bytes - held);
        held = bytes;
      }
    }

    /** Gives everything back; again is nothing. */
    public synchronized void release() {
      if (!released) {
        released = true;
        used.addAndGet(-held);
        held = 0;
      }
    }
  }
}
