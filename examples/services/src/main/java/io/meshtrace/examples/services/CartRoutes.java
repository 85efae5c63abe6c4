package io.meshtrace.examples.services;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.client.WebClient;
import java.net.URI;

/**
 * {@code cart}: {@code GET /cart/checkout?user=&card=} prices the user's cart (an INTERNAL span
 * {@code price cart}) and charges it through {@code payments}; a declined payment comes back
 * as payments' status.
 */
final class CartRoutes {
  static final String CHECKOUT = "/cart/checkout";
  static final AttributeKey<Long> ITEMS = AttributeKey.longKey("cart.items");
  static final AttributeKey<Double> TOTAL = AttributeKey.doubleKey("cart.total");

  private CartRoutes() {}

  static void mount(Router router, HttpTracing tracing, WebClient client, URI payments) {
    router.get(CHECKOUT).handler(tracing.server(CHECKOUT, (request, context) -> {
      String user = request.queryParams().get("user") == null ? "guest"
          : request.queryParams().get("user");
      String card = request.queryParams().get("card") == null ? "visa"
          : request.queryParams().get("card");
      JsonObject cart = price(tracing, context, user);
      Span.fromContext(context).setAttribute(ITEMS, cart.getLong("items"));
      JsonObject charge = new JsonObject().put("amount", cart.getDouble("total"))
          .put("card", card).put("user", user);
      return tracing.call(context, client, HttpMethod.POST, payments, "/payments/charge",
              "/payments/charge", charge)
          .map(response -> {
            JsonObject body = response.bodyAsJsonObject() == null ? new JsonObject()
                : response.bodyAsJsonObject();
            return response.statusCode() == 200
                ? Reply.ok(cart.put("payment", body))
                : Reply.of(response.statusCode(), body);
          })
          .recover(failure -> Future.succeededFuture(Reply.failed(502,
              new IllegalStateException("payments is unreachable: " + failure.getMessage()))));
    }));
  }

  /** A made-up cart, the same for the same user, priced in a span of its own. */
  private static JsonObject price(HttpTracing tracing, Context context, String user) {
    Span span = tracing.tracer().spanBuilder("price cart").setParent(context).startSpan();
    try {
      long items = 1 + Math.floorMod(user.hashCode(), 5);
      double total = Math.round(items * 12.5 * 100) / 100.0;
      span.setAttribute(ITEMS, items);
      span.setAttribute(TOTAL, total);
      span.addEvent("cart priced", Attributes.of(ITEMS, items, TOTAL, total));
      return new JsonObject().put("items", items).put("total", total);
    } finally {
      span.end();
    }
  }
}
