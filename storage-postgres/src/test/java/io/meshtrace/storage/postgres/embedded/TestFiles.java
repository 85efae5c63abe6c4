package io.meshtrace.storage.postgres.embedded;

import java.io.IOException;
import java.nio.file.Path;

/** Test access to the recursive delete the embedded server uses for its own directories. */
public final class TestFiles {
  private TestFiles() {}

  public static void deleteRecursively(Path dir) throws IOException {
    PostgresBinaries.deleteRecursively(dir);
  }
}
