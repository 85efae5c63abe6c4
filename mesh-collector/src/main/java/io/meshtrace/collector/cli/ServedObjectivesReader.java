package io.meshtrace.collector.cli;

import io.meshtrace.controlplane.slo.InvalidObjectivesException;
import io.meshtrace.controlplane.slo.Objective;
import io.meshtrace.controlplane.slo.ObjectivesFile;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The objectives a running server serves, as {@code GET /api/slo} on its query port lists them
 * (each with its definition as the {@code --slo} file writes it), for {@code meshtrace slo
 * render --from}. A blocking HTTP client: this runs in a command, not in the server.
 */
final class ServedObjectivesReader {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  /** The objectives, or the problem and the exit code it ends the command with. */
  record Result(List<Objective> objectives, String url, String problem, int exitCode) {
    static Result failed(String problem, int exitCode) {
      return new Result(List.of(), null, problem, exitCode);
    }
  }

  private final URI base;
  private final Path tokenFile;
  private final String tenant;

  ServedObjectivesReader(URI base, Path tokenFile, String tenant) {
    this.base = base;
    this.tokenFile = tokenFile;
    this.tenant = tenant;
  }

  Result read() {
    if (base.getScheme() == null || !(base.getScheme().equals("http")
        || base.getScheme().equals("https")) || base.getHost() == null) {
      return Result.failed("invalid --from " + base + ": give the query port's URL, "
          + "http://HOST:16686", 2);
    }
    String url = base.toString().replaceAll("/+$", "") + "/api/slo";
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(TIMEOUT)
        .header("Accept", "application/json").GET();
    if (tokenFile != null) {
      try {
        request.header("Authorization", "Bearer " + Files.readString(tokenFile,
            StandardCharsets.UTF_8).strip());
      } catch (IOException | IllegalArgumentException e) {
        return Result.failed("cannot read --token-file " + tokenFile + ": " + e.getMessage(), 2);
      }
    }
    if (tenant != null) {
      request.header("X-Scope-OrgID", tenant);
    }
    HttpResponse<String> response;
    try {
      response = HttpClient.newBuilder().connectTimeout(TIMEOUT).build()
          .send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      return Result.failed("cannot read " + url + ": " + describe(e), 3);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Result.failed("interrupted while reading " + url, 3);
    }
    if (response.statusCode() != 200) {
      String body = response.body().strip();
      return Result.failed("GET " + url + " answered " + response.statusCode()
          + (body.isEmpty() ? "" : ": " + (body.length() > 300 ? body.substring(0, 300) + "..."
          : body)), 3);
    }
    JsonArray definitions = new JsonArray();
    try {
      JsonArray served = new JsonObject(response.body()).getJsonArray("objectives");
      for (int i = 0; i < served.size(); i++) {
        definitions.add(served.getJsonObject(i).getJsonObject("objective"));
      }
    } catch (DecodeException | ClassCastException | NullPointerException e) {
      return Result.failed(url + " did not answer with /api/slo's objectives: " + e.getMessage(),
          3);
    }
    try {
      // JSON is YAML: the served definitions are read as the file is, every check included.
      return new Result(ObjectivesFile.parse(new JsonObject().put("objectives", definitions)
          .encode()), url, null, 0);
    } catch (InvalidObjectivesException e) {
      return Result.failed(url + " served objectives this version cannot render: "
          + String.join("; ", e.problems()), 3);
    }
  }

  private static String describe(IOException e) {
    return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
  }
}
