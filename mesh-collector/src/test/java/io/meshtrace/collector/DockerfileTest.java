package io.meshtrace.collector;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The root Dockerfile, read as BuildKit reads it, builds one image for linux/amd64 and
 * linux/arm64 ({@code docker buildx build --platform linux/amd64,linux/arm64}). No Docker here,
 * so these are the rules that make it so: no architecture named anywhere, and no step that runs
 * a program on the target platform (which would need emulation for the other one).
 */
class DockerfileTest {
  /** The module's directory is the working directory of its tests. */
  static final Path DOCKERFILE = Path.of("../Dockerfile");
  static final Pattern ARCHITECTURE = Pattern.compile(
      "(?i)\\b(amd64|x86[_-]64|arm64(v8)?|aarch64|arm32v7|armhf|i386)\\b");

  /** The instructions, continuation lines joined, comments dropped. */
  static final List<String> INSTRUCTIONS = new ArrayList<>();

  @BeforeAll
  static void read() throws IOException {
    StringBuilder current = new StringBuilder();
    for (String line : Files.readAllLines(DOCKERFILE)) {
      String trimmed = line.trim();
      if (trimmed.startsWith("#") || (trimmed.isEmpty() && current.isEmpty())) {
        continue;
      }
      if (trimmed.endsWith("\\")) {
        current.append(trimmed, 0, trimmed.length() - 1).append(' ');
        continue;
      }
      current.append(trimmed);
      INSTRUCTIONS.add(current.toString());
      current.setLength(0);
    }
    assertThat(INSTRUCTIONS).isNotEmpty();
  }

  @Test
  void noInstructionNamesAnArchitecture() {
    for (String instruction : INSTRUCTIONS) {
      assertThat(ARCHITECTURE.matcher(instruction).find()).as(instruction).isFalse();
    }
  }

  @Test
  void onlyStagesOnTheBuildPlatformRunCommandsAndTheImageIsTheirsWithTheJar() {
    String from = null;
    List<String> stages = new ArrayList<>();
    List<String> finalStage = new ArrayList<>();
    for (String instruction : INSTRUCTIONS) {
      if (instruction.startsWith("FROM ")) {
        from = instruction;
        stages.add(from);
        finalStage.clear();
      } else if (instruction.startsWith("RUN ")) {
        assertThat(from).as("the stage of " + instruction)
            .startsWith("FROM --platform=$BUILDPLATFORM ");
      }
      finalStage.add(instruction);
    }
    // The image: the multi-platform base (eclipse-temurin's Ubuntu JRE is published for amd64
    // and arm64v8), for the target platform, with the jar that carries both PostgreSQL servers.
    assertThat(stages.get(stages.size() - 1)).isEqualTo("FROM eclipse-temurin:17-jre");
    assertThat(finalStage).noneMatch(instruction -> instruction.startsWith("RUN "))
        .contains("COPY mesh-collector/target/meshtrace.jar /opt/meshtrace/meshtrace.jar")
        .contains("ENTRYPOINT [\"java\", \"-jar\", \"/opt/meshtrace/meshtrace.jar\"]");
    // The user it runs as exists in the image: initdb refuses a uid without a passwd entry.
    Matcher user = Pattern.compile("^USER (\\d+):(\\d+)$").matcher(finalStage.stream()
        .filter(instruction -> instruction.startsWith("USER ")).findFirst().orElse(""));
    assertThat(user.matches()).isTrue();
    String made = INSTRUCTIONS.stream().filter(instruction -> instruction.startsWith("RUN "))
        .filter(instruction -> instruction.contains("useradd")).findFirst().orElse("");
    assertThat(made).contains("--uid " + user.group(1)).contains("--gid " + user.group(2));
    assertThat(finalStage).anyMatch(instruction -> instruction.startsWith("COPY --from=")
        && instruction.contains("/etc/passwd"));
  }
}
