package io.meshtrace.fuzz;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/**
 * The inputs of a decoder's fuzz property: mostly mutations of real, valid documents (the seed
 * corpus), some seeds unchanged, some random bytes. Generation is driven by jqwik's seed, so a
 * failing run repeats with the seed jqwik prints.
 */
public final class FuzzInputs {
  private FuzzInputs() {}

  /** 80% mutated seeds (1 to 8 mutations), 5% seeds as they are, 15% random bytes. */
  public static Arbitrary<byte[]> mutationsOf(List<byte[]> seeds) {
    if (seeds.isEmpty()) {
      throw new IllegalArgumentException("no seeds");
    }
    List<byte[]> corpus = List.copyOf(seeds);
    Arbitrary<byte[]> mutated = Combinators.combine(Arbitraries.of(corpus),
            Arbitraries.randoms())
        .as((seed, random) -> ByteMutator.mutate(seed, corpus, random, 8));
    Arbitrary<byte[]> random = Arbitraries.bytes().array(byte[].class).ofMaxSize(1024);
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(80, mutated),
        net.jqwik.api.Tuple.of(5, Arbitraries.of(corpus)),
        net.jqwik.api.Tuple.of(15, random));
  }

  /** Every file under {@code dir} (recursively) whose name ends with one of {@code suffixes}. */
  public static List<byte[]> files(Path dir, String... suffixes) {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    List<byte[]> seeds = new ArrayList<>();
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : paths.sorted().toList()) {
        String name = path.getFileName().toString();
        if (Files.isRegularFile(path) && Stream.of(suffixes).anyMatch(name::endsWith)) {
          seeds.add(Files.readAllBytes(path));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return seeds;
  }

  /** The shared fixtures folder (../shared/fixtures), as surefire passes it. */
  public static Path fixtures() {
    return Path.of(System.getProperty("meshtrace.fixtures", "../../shared/fixtures"));
  }

  public static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
