package io.meshtrace.controlplane.doctor;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The real Istio and Envoy configurations in ../shared/fixtures, next to the repository. */
final class Fixtures {
  static final Path ROOT = Path.of("..", "..", "shared", "fixtures").toAbsolutePath().normalize();

  private Fixtures() {}

  static String read(String relative) throws IOException {
    Path file = ROOT.resolve(relative);
    assertThat(file).as("fixture %s (the shared/ folder must sit next to the repository)", file)
        .isRegularFile();
    return Files.readString(file);
  }
}
