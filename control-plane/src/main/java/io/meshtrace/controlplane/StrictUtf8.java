package io.meshtrace.controlplane;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Decodes configuration files as UTF-8 and refuses anything else: the lenient default would
 * replace bad bytes with U+FFFD and a service name would silently stop matching.
 */
public final class StrictUtf8 {
  private StrictUtf8() {}

  public static String decode(byte[] content) throws CharacterCodingException {
    return StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT)
        .decode(ByteBuffer.wrap(content)).toString();
  }
}
