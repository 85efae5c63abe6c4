package io.meshtrace.bench;

import io.meshtrace.storage.postgres.embedded.EmbeddedPostgres;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * meshtrace's embedded PostgreSQL as a server of its own for the Kafka benchmark and drills,
 * which take it away under load and bring it back: it prints {@code password P} (the
 * meshtrace role's) and {@code port N} once up, then reads commands from standard input, one a
 * line: {@code stop} (a fast shutdown, as an operator's),
 * {@code start} (the same data directory and port), {@code quit}.
 *
 * <pre>
 * java -cp bench/target/meshtrace-bench.jar io.meshtrace.bench.PostgresController DATA_DIR
 * </pre>
 */
public final class PostgresController {
  private PostgresController() {}

  public static void main(String[] args) throws Exception {
    try (EmbeddedPostgres postgres = EmbeddedPostgres.start(Path.of(args[0]),
        EmbeddedPostgres.defaultBinariesCache())) {
      // The password first: the script reads both once it sees the port.
      System.out.println("password " + postgres.connectOptions().getPassword());
      System.out.println("port " + postgres.port());
      BufferedReader commands = new BufferedReader(new InputStreamReader(System.in,
          StandardCharsets.UTF_8));
      String command;
      while ((command = commands.readLine()) != null) {
        switch (command.trim()) {
          case "stop" -> postgres.stopServer();
          case "start" -> postgres.startServer();
          case "quit" -> {
            return;
          }
          default -> System.err.println("unknown command: " + command);
        }
        System.out.println("done " + command.trim());
      }
    }
  }
}
