package io.meshtrace.controlplane.sampling.file;

import io.meshtrace.controlplane.StrictUtf8;
import io.meshtrace.controlplane.file.FollowedFile;
import io.meshtrace.controlplane.file.UnusableFileException;
import io.meshtrace.controlplane.sampling.InvalidSamplingStrategiesException;
import io.meshtrace.controlplane.sampling.SamplingStrategies;
import io.meshtrace.controlplane.sampling.SamplingStrategiesJson;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Path;
import java.util.List;

/** A strategies file in Jaeger's format, read and resolved. */
public final class SamplingStrategyFile {
  private SamplingStrategyFile() {}

  /** What one read of the file gave. */
  public record Loaded(SamplingStrategies strategies, List<String> warnings) {}

  /**
   * Reads and resolves {@code file}; blocks on the disk.
   *
   * @throws InvalidSamplingStrategiesException when the file cannot be read or is not a valid
   *     document; the problems say which
   */
  public static Loaded load(Path file, double defaultProbability)
      throws InvalidSamplingStrategiesException {
    byte[] content;
    try {
      content = FollowedFile.read(file);
    } catch (UnusableFileException e) {
      throw new InvalidSamplingStrategiesException(List.of(e.problem()));
    }
    return parse(content, defaultProbability);
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
    return new Loaded(SamplingStrategies.resolve(parsed.document(), defaultProbability),
        parsed.warnings());
  }
}
