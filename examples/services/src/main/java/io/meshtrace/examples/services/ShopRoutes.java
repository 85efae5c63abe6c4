package io.meshtrace.examples.services;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.client.WebClient;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * {@code shop}, the gateway-facing service: {@code GET /shop/checkout?user=alice&card=visa}
 * checks the cart out through {@code cart} and answers the order, or the status cart answered
 * (402 when the card is declined). The answer carries the trace ID ({@code traceId} and the
 * {@code traceresponse} header) so a user can open the trace.
 */
final class ShopRoutes {
  static final String CHECKOUT = "/shop/checkout";
  private static final AttributeKey<String> USER = AttributeKey.stringKey("shop.user");
  private static final AttributeKey<String> ORDER = AttributeKey.stringKey("shop.order.id");

  private ShopRoutes() {}

  static void mount(Router router, HttpTracing tracing, WebClient client, URI cart) {
    router.get(CHECKOUT).handler(tracing.server(CHECKOUT, (request, context) -> {
      String user = request.queryParams().get("user") == null ? "guest"
          : request.queryParams().get("user");
      String card = request.queryParams().get("card") == null ? "visa"
          : request.queryParams().get("card");
      Span server = Span.fromContext(context);
      server.setAttribute(USER, user);
      server.addEvent("checkout started", Attributes.of(USER, user));
      String traceId = server.getSpanContext().getTraceId();
      return tracing.call(context, client, HttpMethod.GET, cart,
              "/cart/checkout?user=" + encode(user) + "&card=" + encode(card),
              "/cart/checkout", null)
          .map(response -> {
            if (response.statusCode() != 200) {
              JsonObject body = response.bodyAsJsonObject() == null ? new JsonObject()
                  : response.bodyAsJsonObject();
              return Reply.of(response.statusCode(), body.put("traceId", traceId));
            }
            String order = UUID.randomUUID().toString();
            server.setAttribute(ORDER, order);
            server.addEvent("order placed", Attributes.of(ORDER, order));
            return Reply.ok(new JsonObject().put("order", order).put("user", user)
                .put("cart", response.bodyAsJsonObject()).put("traceId", traceId));
          })
          .recover(failure -> Future.succeededFuture(Reply.failed(502,
              new IllegalStateException("cart is unreachable: " + failure.getMessage()))));
    }));
  }

  static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
