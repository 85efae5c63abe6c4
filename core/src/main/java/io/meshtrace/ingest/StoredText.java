package io.meshtrace.ingest;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;

/**
 * Text as storage can hold it: PostgreSQL's {@code text} and {@code jsonb} refuse NUL and invalid
 * UTF-8, and a request carrying either in one tag would otherwise be refused whole. Both are
 * replaced by U+FFFD, as a UTF-8 decoder replaces what it cannot read; clean text, nearly all of
 * it, is passed on as it is, without decoding.
 */
final class StoredText {
  private static final char REPLACEMENT = '\uFFFD';

  private StoredText() {}

  /** Whether the bytes are valid UTF-8 without NUL. */
  static boolean isClean(ByteString utf8) {
    ByteBuffer bytes = utf8.asReadOnlyByteBuffer();
    for (int i = bytes.position(), end = bytes.limit(); i < end; i++) {
      if (bytes.get(i) == 0) {
        return false;
      }
    }
    return utf8.isValidUtf8();
  }

  /** The text with NUL and malformed sequences replaced. */
  static String clean(ByteString utf8) {
    return utf8.toStringUtf8().replace('\0', REPLACEMENT);
  }
}
