package io.meshtrace.examples.services;

import static io.meshtrace.examples.services.JaegerTrace.events;
import static io.meshtrace.examples.services.JaegerTrace.parentId;
import static io.meshtrace.examples.services.JaegerTrace.tag;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * shop → cart → payments against a real meshtrace all-in-one: one request through all three,
 * read back through Jaeger's API. shop and cart export OTLP/HTTP and sample with the Jaeger
 * remote sampler; payments reports Zipkin v2 through zipkin-reporter.
 */
class ExampleServicesEndToEndTest {
  /** shop's traces are all sampled; a service without a strategy would get 0.1%. */
  static final String STRATEGIES = """
      {
        "default_strategy": {"type": "probabilistic", "param": 0.001},
        "service_strategies": [
          {"service": "shop", "type": "probabilistic", "param": 1.0}
        ]
      }""";

  /** Zipkin's span model lower-cases span names: so does meshtrace for Zipkin-reported spans. */
  static final String PAYMENTS_SERVER = "post /payments/charge";

  @TempDir
  static Path dir;
  static Meshtrace meshtrace;
  static Vertx vertx;
  static ExampleService payments;
  static ExampleService cart;
  static ExampleService shop;

  @BeforeAll
  static void start() throws Exception {
    Path strategies = dir.resolve("strategies.json");
    Files.writeString(strategies, STRATEGIES);
    meshtrace = Meshtrace.allInOne("--sampling-strategies", strategies.toString());
    vertx = Vertx.vertx();
    payments = start("payments", null);
    cart = start("cart", payments);
    shop = start("shop", cart);
    // The remote sampler starts at 0.1% until its first poll: wait for the strategy to arrive.
    await(() -> shop.telemetry().samplingStrategy("GET /shop/checkout")
        .equals(Optional.of(new SamplerDecisionTags.Strategy("probabilistic", 1.0))));
  }

  private static ExampleService start(String service, ExampleService downstream)
      throws Exception {
    List<String> args = new ArrayList<>(List.of(service, "--bind", "127.0.0.1", "--port", "0"));
    args.addAll(meshtrace.serviceFlags());
    if (downstream != null) {
      args.addAll(List.of("--downstream-url", "http://127.0.0.1:" + downstream.port()));
    }
    return ExampleService.start(vertx, ServiceConfig.parse(args, Map.of()))
        .await(30, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() throws Exception {
    for (ExampleService service : new ExampleService[] {shop, cart, payments}) {
      if (service != null) {
        service.stop().await(30, TimeUnit.SECONDS);
      }
    }
    if (vertx != null) {
      vertx.close().await(30, TimeUnit.SECONDS);
    }
    if (meshtrace != null) {
      meshtrace.close();
    }
  }

  @Test
  void oneCheckoutIsOneTraceAcrossTheThreeServicesWithBothHeaderStylesAndTheSamplersDecision()
      throws Exception {
    HttpResponse<String> response = checkout("alice", "visa");
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    String traceId = new JsonObject(response.body()).getString("traceId");
    assertThat(traceId).matches("[0-9a-f]{32}");
    assertThat(response.headers().firstValue("traceresponse")).get().asString()
        .matches("00-" + traceId + "-[0-9a-f]{16}-0[13]"); // sampled (and random, level 2)

    JaegerTrace trace = readBack(traceId);
    JsonObject shopServer = trace.span("shop", "GET /shop/checkout");
    JsonObject shopClient = trace.span("shop", "GET /cart/checkout");
    JsonObject cartServer = trace.span("cart", "GET /cart/checkout");
    JsonObject priceCart = trace.span("cart", "price cart");
    JsonObject cartClient = trace.span("cart", "POST /payments/charge");
    JsonObject paymentsServer = trace.span("payments", PAYMENTS_SERVER);
    JsonObject chargeCard = trace.span("payments", "charge card");
    assertThat(trace.spans()).hasSize(7);

    // The structure: shop SERVER → shop CLIENT → cart SERVER → cart CLIENT → payments SERVER,
    // the internal spans under their server spans.
    assertThat(parentId(shopServer)).isNull();
    assertThat(parentId(shopClient)).isEqualTo(id(shopServer));
    assertThat(parentId(cartServer)).isEqualTo(id(shopClient));
    assertThat(parentId(priceCart)).isEqualTo(id(cartServer));
    assertThat(parentId(cartClient)).isEqualTo(id(cartServer));
    assertThat(parentId(paymentsServer)).isEqualTo(id(cartClient));
    assertThat(parentId(chargeCard)).isEqualTo(id(paymentsServer));
    assertThat(kind(shopServer)).isEqualTo("server");
    assertThat(kind(shopClient)).isEqualTo("client");
    assertThat(kind(cartServer)).isEqualTo("server");
    assertThat(kind(priceCart)).isEqualTo("internal");
    assertThat(kind(cartClient)).isEqualTo("client");
    assertThat(kind(paymentsServer)).isEqualTo("server");
    assertThat(kind(chargeCard)).isEqualTo("internal");

    // Both header styles arrived at cart (OTLP) and payments (Zipkin) with the caller's span.
    assertPropagated(cartServer, traceId, id(shopClient));
    assertPropagated(paymentsServer, traceId, id(cartClient));

    // The root span carries the decision of the strategy meshtrace served for shop.
    assertThat(tag(shopServer, "sampler.type")).contains("probabilistic");
    assertThat(tag(shopServer, "sampler.param")).contains("1.0");
    assertThat(tag(cartServer, "sampler.type")).as("a child follows, it does not decide")
        .isEmpty();

    // Semantic-convention and business attributes, events.
    assertThat(tag(shopServer, "http.request.method")).contains("GET");
    assertThat(tag(shopServer, "url.path")).contains("/shop/checkout");
    assertThat(tag(shopServer, "http.response.status_code")).contains("200");
    assertThat(tag(shopServer, "server.address")).contains("127.0.0.1");
    assertThat(tag(shopClient, "server.port")).contains(String.valueOf(cart.port()));
    assertThat(tag(priceCart, "cart.items")).isPresent();
    assertThat(tag(paymentsServer, "payment.amount")).isPresent();
    assertThat(events(shopServer)).contains("checkout started", "order placed");
    assertThat(events(priceCart)).containsExactly("cart priced");
    assertThat(events(chargeCard)).hasSize(1).allMatch(e -> e.startsWith("card authorized"));
    assertThat(tag(chargeCard, "otel.status_code")).isEmpty();
  }

  @Test
  void aDeclinedCardIsAnErrorWithItsExceptionOnPaymentsAndComesBackAsStatusCodes()
      throws Exception {
    HttpResponse<String> response = checkout("bob", "declined");
    assertThat(response.statusCode()).as(response.body()).isEqualTo(402);
    JsonObject body = new JsonObject(response.body());
    assertThat(body.getString("error")).contains("card declined declined for");

    JaegerTrace trace = readBack(body.getString("traceId"));
    JsonObject chargeCard = trace.span("payments", "charge card");
    assertThat(tag(chargeCard, "otel.status_code")).contains("ERROR");
    assertThat(tag(chargeCard, "otel.status_description")).get().asString()
        .contains("card declined declined for");
    // Reported by zipkin-reporter: the exception event is an annotation "exception: {...}".
    assertThat(events(chargeCard)).hasSize(1).first().asString()
        .startsWith("exception: {\"exception.type\":")
        .contains("PaymentsRoutes.PaymentDeclinedException")
        .contains("\"exception.message\":\"card declined declined for");
    JsonObject paymentsServer = trace.span("payments", PAYMENTS_SERVER);
    assertThat(tag(paymentsServer, "otel.status_code")).contains("ERROR");
    assertThat(tag(paymentsServer, "error.type"))
        .contains(PaymentsRoutes.PaymentDeclinedException.class.getName());
    assertThat(events(paymentsServer)).as("recorded once, where it happened").isEmpty();
    assertThat(tag(paymentsServer, "http.response.status_code")).contains("402");

    // The callers see 402: an error on their CLIENT spans, not on the servers that relay it.
    JsonObject cartClient = trace.span("cart", "POST /payments/charge");
    assertThat(tag(cartClient, "http.response.status_code")).contains("402");
    assertThat(tag(cartClient, "otel.status_code")).contains("ERROR");
    assertThat(tag(cartClient, "error.type")).contains("402");
    JsonObject cartServer = trace.span("cart", "GET /cart/checkout");
    assertThat(tag(cartServer, "http.response.status_code")).contains("402");
    assertThat(tag(cartServer, "otel.status_code")).isEmpty();
    JsonObject shopClient = trace.span("shop", "GET /cart/checkout");
    assertThat(tag(shopClient, "otel.status_code")).contains("ERROR");
    JsonObject shopServer = trace.span("shop", "GET /shop/checkout");
    assertThat(tag(shopServer, "http.response.status_code")).contains("402");
    assertThat(tag(shopServer, "sampler.param")).contains("1.0");
  }

  private static void assertPropagated(JsonObject server, String traceId, String parentSpanId) {
    // Flags: sampled, and maybe W3C level 2's random-trace-ID bit (0x02) that OpenTelemetry sets
    assertThat(tag(server, "http.request.header.traceparent")).get().asString()
        .matches("00-" + traceId + "-" + parentSpanId + "-0[13]");
    assertThat(tag(server, "http.request.header.x-b3-traceid")).contains(traceId);
    assertThat(tag(server, "http.request.header.x-b3-spanid")).contains(parentSpanId);
    assertThat(tag(server, "http.request.header.x-b3-sampled")).contains("1");
  }

  private static HttpResponse<String> checkout(String user, String card) throws Exception {
    return Meshtrace.get("http://127.0.0.1:" + shop.port() + "/shop/checkout?user=" + user
        + "&card=" + card);
  }

  /** Exports what the three services hold (acknowledged = committed), then reads the trace. */
  private static JaegerTrace readBack(String traceId) throws Exception {
    for (ExampleService service : List.of(shop, cart, payments)) {
      assertThat(service.telemetry().flush().join(30, TimeUnit.SECONDS).isSuccess())
          .as("%s exported its spans", service.config().service()).isTrue();
    }
    return new JaegerTrace(meshtrace.jaegerTrace(traceId));
  }

  private static String id(JsonObject span) {
    return span.getString("spanID");
  }

  private static String kind(JsonObject span) {
    return tag(span, "span.kind").orElse("internal");
  }

  private static void await(java.util.concurrent.Callable<Boolean> condition) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!condition.call()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within 20 s");
      }
      Thread.sleep(50);
    }
  }
}
