package io.meshtrace.examples.services;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * {@code payments}: {@code POST /payments/charge {"amount":..,"card":..}} charges a card in an
 * INTERNAL span {@code charge card}. The card {@code declined} — and a configurable fraction of
 * all charges ({@code --decline-fraction}) — is declined: the exception is recorded on the span
 * with ERROR status and the answer is 402.
 */
final class PaymentsRoutes {
  static final String CHARGE = "/payments/charge";
  static final AttributeKey<Double> AMOUNT = AttributeKey.doubleKey("payment.amount");
  static final AttributeKey<String> CARD = AttributeKey.stringKey("payment.card");
  static final AttributeKey<String> PAYMENT_ID = AttributeKey.stringKey("payment.id");

  /** The card was refused: the customer's problem, but the charge failed. */
  static final class PaymentDeclinedException extends Exception {
    PaymentDeclinedException(String message) {
      super(message);
    }
  }

  private PaymentsRoutes() {}

  static void mount(Router router, HttpTracing tracing, double declineFraction) {
    router.post(CHARGE).handler(BodyHandler.create().setBodyLimit(64 * 1024));
    router.post(CHARGE).handler(tracing.server(CHARGE, (request, context) -> {
      JsonObject body;
      try {
        body = request.body().asJsonObject();
      } catch (RuntimeException e) {
        body = null;
      }
      if (body == null || !(body.getValue("amount") instanceof Number)) {
        return Future.succeededFuture(Reply.of(400,
            new JsonObject().put("error", "expected a JSON body with a numeric amount")));
      }
      double amount = body.getDouble("amount");
      String card = body.getString("card", "visa");
      Span.fromContext(context).setAttribute(AMOUNT, amount);
      try {
        String id = charge(tracing, context, amount, card, declineFraction);
        return Future.succeededFuture(Reply.ok(new JsonObject().put("payment", id)
            .put("amount", amount)));
      } catch (PaymentDeclinedException e) {
        return Future.succeededFuture(Reply.failed(402, e));
      }
    }));
  }

  private static String charge(HttpTracing tracing, Context context, double amount, String card,
      double declineFraction) throws PaymentDeclinedException {
    Span span = tracing.tracer().spanBuilder("charge card").setParent(context)
        .setAttribute(AMOUNT, amount).setAttribute(CARD, card).startSpan();
    try {
      if ("declined".equals(card) || ThreadLocalRandom.current().nextDouble() < declineFraction) {
        PaymentDeclinedException declined = new PaymentDeclinedException(
            "card " + card + " declined for " + amount);
        span.recordException(declined);
        span.setStatus(StatusCode.ERROR, declined.getMessage());
        throw declined;
      }
      String id = UUID.randomUUID().toString();
      span.setAttribute(PAYMENT_ID, id);
      span.addEvent("card authorized", Attributes.of(PAYMENT_ID, id));
      return id;
    } finally {
      span.end();
    }
  }
}
