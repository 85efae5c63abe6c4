package io.meshtrace.examples.services;

import io.vertx.core.json.JsonObject;

/**
 * What a traced handler answers: a status, a JSON body, and, when the request failed in a way
 * the service owns (not just a 4xx of the caller's making), the error for the server span.
 */
public record Reply(int status, JsonObject body, Throwable error) {
  public static Reply ok(JsonObject body) {
    return new Reply(200, body, null);
  }

  public static Reply of(int status, JsonObject body) {
    return new Reply(status, body, null);
  }

  public static Reply failed(int status, Throwable error) {
    return new Reply(status, new JsonObject().put("error", error.getMessage()), error);
  }
}
