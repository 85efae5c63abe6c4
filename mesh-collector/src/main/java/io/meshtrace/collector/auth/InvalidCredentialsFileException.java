package io.meshtrace.collector.auth;

import java.util.List;

/**
 * A credentials file that cannot be used. Each problem names the field and its line
 * ({@code users[1].password: not a bcrypt hash ... (line 9)}), never a token or password.
 */
public final class InvalidCredentialsFileException extends Exception {
  private static final long serialVersionUID = 1L;

  public InvalidCredentialsFileException(List<String> problems) {
    super(String.join("; ", problems));
  }
}
