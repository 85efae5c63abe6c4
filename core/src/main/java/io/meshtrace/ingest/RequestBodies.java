package io.meshtrace.ingest;

import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Decodes a request body by its {@code Content-Encoding}, never inflating more than a bound: a
 * gzip bomb is refused after {@code maxDecompressedBytes}, not after it filled the heap.
 */
public final class RequestBodies {
  /** Inflated bytes reserved at a time. */
  private static final long RESERVE_STEP = 256 * 1024;

  private RequestBodies() {}

  /**
   * @param contentEncoding the header, or null
   * @throws IngestException TOO_LARGE, UNSUPPORTED_MEDIA_TYPE or INVALID
   */
  public static Buffer decode(Buffer body, String contentEncoding, long maxDecompressedBytes) {
    return compressed(contentEncoding) ? Buffer.buffer(gunzip(body.getBytes(),
        maxDecompressedBytes, MemoryBudget.unbounded().open())) : body;
  }

  /** As {@link #decode(Buffer, String, long)}, for a body read whole ({@link BodyReader}). */
  public static byte[] decode(byte[] body, String contentEncoding, long maxDecompressedBytes) {
    return decode(body, contentEncoding, maxDecompressedBytes, MemoryBudget.unbounded().open());
  }

  /**
   * As {@link #decode(Buffer, String, long)}, reserving the inflated bytes in {@code reservation}
   * as they are inflated (the caller releases it).
   *
   * @throws IngestException also OVERLOADED when the budget cannot hold the inflated body
   */
  public static byte[] decode(byte[] body, String contentEncoding, long maxDecompressedBytes,
      MemoryBudget.Reservation reservation) {
    return compressed(contentEncoding) ? gunzip(body, maxDecompressedBytes, reservation) : body;
  }

  /**
   * Whether a body in this encoding is inflated before it is decoded, for sizing it before it
   * is: false for an encoding meshtrace does not take, which {@link #decode} then refuses.
   */
  public static boolean isCompressed(String contentEncoding) {
    try {
      return compressed(contentEncoding);
    } catch (IngestException unsupported) {
      return false;
    }
  }

  /** Whether the body is gzip; an encoding this is not is refused. */
  private static boolean compressed(String contentEncoding) {
    String encoding = contentEncoding == null ? "identity"
        : contentEncoding.trim().toLowerCase(Locale.ROOT);
    return switch (encoding) {
      case "", "identity" -> false;
      case "gzip", "x-gzip" -> true;
      default -> throw new IngestException(IngestException.Reason.UNSUPPORTED_MEDIA_TYPE,
          "unsupported Content-Encoding '" + contentEncoding + "'; use gzip or none");
    };
  }

  /**
   * Reserves the output as it grows, in steps, so that the budget is asked once per
   * {@link #RESERVE_STEP} rather than per chunk; the final copy out of the stream is reserved
   * too, since both arrays live for a moment.
   */
  private static byte[] gunzip(byte[] body, long max, MemoryBudget.Reservation reservation) {
    int initial = (int) Math.min(max, Math.max(1024, body.length * 4L));
    reservation.grow(initial, MemoryBudget.Stage.INFLATING);
    long reserved = initial;
    ByteArrayOutputStream out = new ByteArrayOutputStream(initial);
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(body), 8192)) {
      byte[] chunk = new byte[8192];
      long total = 0;
      int n;
      while ((n = in.read(chunk)) > 0) {
        total += n;
        if (total > max) {
          throw new IngestException(IngestException.Reason.TOO_LARGE,
              "gzip body inflates to more than " + max + " bytes");
        }
        if (total > reserved) {
          long step = Math.min(max - reserved, Math.max(RESERVE_STEP, total - reserved));
          reservation.grow(step, MemoryBudget.Stage.INFLATING);
          reserved += step;
        }
        out.write(chunk, 0, n);
      }
      reservation.grow(total, MemoryBudget.Stage.INFLATING);
    } catch (ZipException | EOFException e) {
      throw new IngestException(IngestException.Reason.INVALID,
          "body is not valid gzip: " + e.getMessage());
    } catch (IOException e) {
      throw new IngestException(IngestException.Reason.INVALID,
          "could not read gzip body: " + e.getMessage());
    }
    return out.toByteArray();
  }
}
