package io.meshtrace.controlplane.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The follower on its own, with a parser of whole numbers. */
public class FollowedFileTest {
  @TempDir
  Path dir;
  Path file;
  Vertx vertx;
  final AtomicInteger parsed = new AtomicInteger();
  final List<String> events = new CopyOnWriteArrayList<>();
  FollowedFile<Integer> followed;

  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx();
    file = dir.resolve("number.txt");
    Files.writeString(file, "1");
  }

  @AfterEach
  void tearDown() throws Exception {
    if (followed != null) {
      followed.stop().await(10, TimeUnit.SECONDS);
    }
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  FollowedFile<Integer> follow(Path path, Duration reloadInterval) {
    return new FollowedFile<>(vertx, "number file", path, reloadInterval, content -> {
      parsed.incrementAndGet();
      String text = new String(content, StandardCharsets.UTF_8).strip();
      if (!text.matches("\\d+")) {
        throw new IllegalArgumentException("'" + text + "' is not a whole number");
      }
      return Integer.valueOf(text);
    }, new FollowedFile.Listener<>() {
      @Override
      public void loaded(Integer value, boolean reloaded) {
        events.add((reloaded ? "reloaded " : "loaded ") + value);
      }

      @Override
      public void failed(String problem) {
        events.add("failed " + problem);
      }
    });
  }

  FollowedFile<Integer> start(Path path, Duration reloadInterval) throws Exception {
    FollowedFile<Integer> started = follow(path, reloadInterval);
    try {
      started.start().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw (Exception) e.getCause();
    }
    return started;
  }

  @Test
  void theFirstLoadFailsTheStartNamingTheFileAndTheProblem() throws Exception {
    Path missing = dir.resolve("missing.txt");
    assertThatThrownBy(() -> start(missing, Duration.ZERO))
        .isInstanceOf(UnusableFileException.class)
        .hasMessage(missing + ": cannot read " + missing + ": no such file")
        .satisfies(e -> assertThat(((UnusableFileException) e).problem())
            .isEqualTo("cannot read " + missing + ": no such file"));
    Files.writeString(file, "one");
    assertThatThrownBy(() -> start(file, Duration.ZERO))
        .isInstanceOf(UnusableFileException.class)
        .hasMessage(file + ": 'one' is not a whole number");
    assertThat(events).as("nothing was loaded, so nothing is kept or reported").isEmpty();
    assertThat(follow(file, Duration.ZERO).name()).isEqualTo("number file");
  }

  @Test
  void aChangeIsFollowedThroughTheWatch() throws Exception {
    followed = start(file, Duration.ZERO);
    assertThat(followed.current()).isEqualTo(1);
    assertThat(followed.problem()).isNull();
    assertThat(followed.loadedAt()).isNotNull();
    Files.writeString(file, "2");
    awaitTrue(() -> followed.current() == 2);
    replace(file, "3");
    awaitTrue(() -> followed.current() == 3);
    assertThat(events).containsExactly("loaded 1", "reloaded 2", "reloaded 3");
  }

  @Test
  void aSwappedSymbolicLinkIsFollowedAsKubernetesConfigMapVolumesSwapThem() throws Exception {
    // A ConfigMap volume: the file links to ..data/number.txt, ..data to a timestamped directory;
    // an update writes a new directory and renames a new ..data link over the old one.
    Path volume = Files.createDirectory(dir.resolve("volume"));
    Path first = Files.createDirectory(volume.resolve("..2026_01_01_00_00_00.1"));
    Files.writeString(first.resolve("number.txt"), "10");
    Files.createSymbolicLink(volume.resolve("..data"), first.getFileName());
    Path linked = Files.createSymbolicLink(volume.resolve("number.txt"),
        Path.of("..data", "number.txt"));
    followed = start(linked, Duration.ZERO);
    assertThat(followed.current()).isEqualTo(10);

    Path second = Files.createDirectory(volume.resolve("..2026_01_01_00_01_00.2"));
    Files.writeString(second.resolve("number.txt"), "20");
    Path swap = Files.createSymbolicLink(volume.resolve("..data_tmp"), second.getFileName());
    Files.move(swap, volume.resolve("..data"), StandardCopyOption.ATOMIC_MOVE,
        StandardCopyOption.REPLACE_EXISTING);
    awaitTrue(() -> followed.current() == 20);
  }

  @Test
  void aBrokenFileKeepsTheLastGoodValueAndIsReportedOncePerProblem() throws Exception {
    followed = start(file, Duration.ofMillis(50));
    replace(file, "x");
    awaitTrue(() -> followed.problem() != null);
    assertThat(followed.problem()).isEqualTo("'x' is not a whole number");
    assertThat(followed.current()).isEqualTo(1);
    Thread.sleep(300); // re-read a few times by the interval: the same problem, said once
    assertThat(events).containsExactly("loaded 1", "failed 'x' is not a whole number");

    Files.delete(file);
    awaitTrue(() -> events.size() == 3);
    assertThat(events.get(2)).isEqualTo("failed cannot read " + file + ": no such file");
    // The same broken content back after the file was missing is news again.
    replace(file, "x");
    awaitTrue(() -> events.size() == 4);
    assertThat(events.get(3)).isEqualTo("failed 'x' is not a whole number");

    replace(file, "4");
    awaitTrue(() -> followed.problem() == null);
    assertThat(followed.current()).isEqualTo(4);
    assertThat(events.get(4)).isEqualTo("reloaded 4");
  }

  @Test
  void unchangedContentIsNotParsedAgain() throws Exception {
    followed = start(file, Duration.ofHours(1));
    assertThat(parsed.get()).isEqualTo(1);
    assertThat(followed.reload().await(10, TimeUnit.SECONDS)).isFalse();
    Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.fromMillis(0));
    assertThat(followed.reload().await(10, TimeUnit.SECONDS)).isFalse();
    assertThat(parsed.get()).isEqualTo(1);
  }

  @Test
  void afterStopTheFileIsNoLongerFollowed() throws Exception {
    followed = start(file, Duration.ofMillis(50));
    followed.stop().await(10, TimeUnit.SECONDS);
    Files.writeString(file, "5");
    Thread.sleep(300);
    assertThat(followed.reload().await(10, TimeUnit.SECONDS)).isFalse();
    assertThat(followed.current()).isEqualTo(1);
    assertThat(events).containsExactly("loaded 1");
  }

  /** Writes a file beside {@code file} and renames it over it, as editors do. */
  public static void replace(Path file, String content) throws java.io.IOException {
    Path temp = file.resolveSibling("." + file.getFileName() + ".tmp");
    Files.writeString(temp, content);
    Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  public static void awaitTrue(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within 10 s");
      }
      Thread.sleep(10);
    }
  }
}
