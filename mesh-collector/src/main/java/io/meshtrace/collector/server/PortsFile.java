package io.meshtrace.collector.server;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;

/**
 * Writes {@code --ports-file} atomically (temp file and rename), so that a script polling for it
 * never reads half a document.
 */
final class PortsFile {
  private PortsFile() {}

  static void write(Path file, Map<String, Integer> ports) throws IOException {
    Path absolute = file.toAbsolutePath();
    if (absolute.getParent() != null) {
      Files.createDirectories(absolute.getParent());
    }
    JsonObject json = new JsonObject();
    ports.forEach(json::put);
    Path temp = Files.createTempFile(absolute.getParent(), ".ports", ".tmp");
    Files.writeString(temp, json.encode() + "\n", StandardCharsets.UTF_8);
    Files.move(temp, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
