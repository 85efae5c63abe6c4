package io.meshtrace.ingest;

import com.google.protobuf.ByteString;

/**
 * Text as storage can hold it: PostgreSQL's {@code text} and {@code jsonb} refuse NUL and invalid
 * UTF-8, and a request carrying either in one tag would otherwise be refused whole. Both are
 * replaced by U+FFFD, as a UTF-8 decoder replaces what it cannot read; clean text, nearly all of
 * it, is passed on as it is, without decoding.
 */
final class StoredText {
  private static final char REPLACEMENT = '\uFFFD';

  private StoredText() {}

  /**
   * Whether the bytes are valid UTF-8 without NUL. Called for every key and string of every
   * span: one pass without allocating for ASCII, the decoder's validation only past the first
   * byte that is not.
   */
  static boolean isClean(ByteString utf8) {
    int size = utf8.size();
    for (int i = 0; i < size; i++) {
      byte b = utf8.byteAt(i);
      if (b == 0) {
        return false;
      }
      if (b < 0) {
        for (int j = i + 1; j < size; j++) {
          if (utf8.byteAt(j) == 0) {
            return false;
          }
        }
        return utf8.isValidUtf8();
      }
    }
    return true;
  }

  /** The text with NUL and malformed sequences replaced. */
  static String clean(ByteString utf8) {
    return utf8.toStringUtf8().replace('\0', REPLACEMENT);
  }
}
