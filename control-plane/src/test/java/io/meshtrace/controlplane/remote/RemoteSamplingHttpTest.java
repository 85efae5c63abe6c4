package io.meshtrace.controlplane.remote;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshtrace.controlplane.sampling.SamplingObserver;
import io.meshtrace.controlplane.sampling.SamplingStrategies;
import io.meshtrace.controlplane.sampling.SamplingStrategiesJson;
import io.meshtrace.controlplane.sampling.SamplingStrategySource;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The HTTP endpoints' JSON, in both enum styles, and their refusals. */
class RemoteSamplingHttpTest {
  static final String DOCUMENT = """
      {"default_strategy": {"type": "probabilistic", "param": 0.5},
       "service_strategies": [
         {"service": "checkout", "type": "probabilistic", "param": 0.8, "operation_strategies": [
           {"operation": "GET /health", "type": "probabilistic", "param": 0}]},
         {"service": "edge", "type": "ratelimiting", "param": 5},
         {"service": "firehose", "type": "ratelimiting", "param": 100000}]}""";

  static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  static final List<String> REQUESTS = new CopyOnWriteArrayList<>();
  static Vertx vertx;
  static HttpServer server;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    SamplingStrategySource source = SamplingStrategySource.fixed(SamplingStrategies.resolve(
        SamplingStrategiesJson.parse(DOCUMENT).document(), 0.001), "test");
    SamplingObserver observer = new SamplingObserver() {
      @Override
      public void strategyRequest(String endpoint, String service, String outcome) {
        REQUESTS.add(endpoint + " " + outcome);
      }
    };
    server = vertx.createHttpServer()
        .requestHandler(new RemoteSamplingHttp(source, observer).router(vertx))
        .listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void samplingAnswersProtoJsonWithStringEnums() throws Exception {
    HttpResponse<String> response = get("/sampling?service=checkout");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(response.body()).isEqualTo("{\"strategyType\":\"PROBABILISTIC\","
        + "\"probabilisticSampling\":{\"samplingRate\":0.8},"
        + "\"operationSampling\":{\"defaultSamplingProbability\":0.8,"
        + "\"defaultLowerBoundTracesPerSecond\":0.0,\"perOperationStrategies\":["
        + "{\"operation\":\"GET /health\",\"probabilisticSampling\":{\"samplingRate\":0.0}}],"
        + "\"defaultUpperBoundTracesPerSecond\":0.0}}");
    assertThat(get("/sampling?service=edge").body()).isEqualTo(
        "{\"strategyType\":\"RATE_LIMITING\",\"rateLimitingSampling\":{\"maxTracesPerSecond\":5}}");
    assertThat(get("/api/sampling?service=unknown").body()).isEqualTo(
        "{\"strategyType\":\"PROBABILISTIC\",\"probabilisticSampling\":{\"samplingRate\":0.5}}");
  }

  @Test
  void theRootAnswersTheLegacyJsonWithIntegerEnums() throws Exception {
    HttpResponse<String> response = get("/?service=checkout");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(new JsonObject(response.body())).isEqualTo(new JsonObject("""
        {"strategyType":0,"probabilisticSampling":{"samplingRate":0.8},
         "operationSampling":{"defaultSamplingProbability":0.8,
           "defaultLowerBoundTracesPerSecond":0,
           "perOperationStrategies":[
             {"operation":"GET /health","probabilisticSampling":{"samplingRate":0}}],
           "defaultUpperBoundTracesPerSecond":0}}"""));
    // Jaeger's own test expectation, to the byte.
    assertThat(get("/?service=edge").body())
        .isEqualTo("{\"strategyType\":1,\"rateLimitingSampling\":{\"maxTracesPerSecond\":5}}");
    // The Thrift field is 16 bits wide.
    assertThat(get("/?service=firehose").body()).isEqualTo(
        "{\"strategyType\":1,\"rateLimitingSampling\":{\"maxTracesPerSecond\":32767}}");
    assertThat(get("/sampling?service=firehose").body()).contains(
        "\"maxTracesPerSecond\":100000");
  }

  @Test
  void aMissingEmptyOrRepeatedServiceIs400() throws Exception {
    for (String path : List.of("/sampling", "/api/sampling", "/")) {
      assertBadRequest(path, "'service' parameter must be provided once (it was given 0 times)");
      assertBadRequest(path + "?service=a&service=b",
          "'service' parameter must be provided once (it was given 2 times)");
      assertBadRequest(path + "?service=", "'service' parameter must not be empty");
    }
    assertThat(REQUESTS).contains("sampling bad_request", "legacy bad_request");
  }

  @Test
  void otherPathsAre404AndOtherMethods405() throws Exception {
    assertThat(get("/samplings?service=a").statusCode()).isEqualTo(404);
    assertThat(get("/api/sampling/x?service=a").statusCode()).isEqualTo(404);
    HttpResponse<String> post = HTTP.send(HttpRequest.newBuilder(uri("/sampling?service=a"))
        .POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(post.statusCode()).isEqualTo(405);
  }

  @Test
  void serviceNamesAreDecodedFromTheQuery() throws Exception {
    assertThat(get("/sampling?service=check%6Fut").body()).contains("\"samplingRate\":0.8");
    assertThat(REQUESTS).contains("sampling ok");
  }

  private static void assertBadRequest(String path, String message) throws Exception {
    HttpResponse<String> response = get(path);
    assertThat(response.statusCode()).as(path).isEqualTo(400);
    assertThat(response.body()).as(path).isEqualTo(message + "\n");
  }

  static HttpResponse<String> get(String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(uri(path)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static URI uri(String path) {
    return URI.create("http://127.0.0.1:" + server.actualPort() + path);
  }
}
