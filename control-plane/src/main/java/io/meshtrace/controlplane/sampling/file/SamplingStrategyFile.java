package io.meshtrace.controlplane.sampling.file;

import io.meshtrace.controlplane.StrictUtf8;
import io.meshtrace.controlplane.sampling.InvalidSamplingStrategiesException;
import io.meshtrace.controlplane.sampling.SamplingStrategies;
import io.meshtrace.controlplane.sampling.SamplingStrategiesJson;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/** A strategies file in Jaeger's format, read and resolved. Every method blocks on the disk. */
public final class SamplingStrategyFile {
  private SamplingStrategyFile() {}

  /** What one read of the file gave. */
  public record Loaded(byte[] content, SamplingStrategies strategies, List<String> warnings) {}

  /**
   * @throws InvalidSamplingStrategiesException when the file cannot be read or is not a valid
   *     document; the problems say which
   */
  public static Loaded load(Path file, double defaultProbability)
      throws InvalidSamplingStrategiesException {
    return parse(read(file), defaultProbability);
  }

  static byte[] read(Path file) throws InvalidSamplingStrategiesException {
    try {
      return Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new InvalidSamplingStrategiesException(List.of("cannot read " + file
          + ": no such file"));
    } catch (IOException e) {
      throw new InvalidSamplingStrategiesException(List.of("cannot read " + file + ": "
          + e.getClass().getSimpleName() + " " + e.getMessage()));
    }
  }

  static Loaded parse(byte[] content, double defaultProbability)
      throws InvalidSamplingStrategiesException {
    String text;
    try {
      text = StrictUtf8.decode(content);
    } catch (CharacterCodingException e) {
      throw new InvalidSamplingStrategiesException(List.of("not UTF-8 text"));
    }
    SamplingStrategiesJson.Parsed parsed = SamplingStrategiesJson.parse(text);
    return new Loaded(content,
        SamplingStrategies.resolve(parsed.document(), defaultProbability), parsed.warnings());
  }
}
