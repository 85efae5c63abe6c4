package io.meshtrace.ingest;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.grpc.common.GrpcMessage;
import io.vertx.grpc.server.GrpcServerRequest;

/**
 * The one message of a unary gRPC call, raw (still compressed, if it was): span receivers take
 * it so and inflate it themselves with a bound, because the gRPC server's own decoding would
 * inflate a message whatever its size.
 */
public final class GrpcUnaryMessage {
  private GrpcUnaryMessage() {}

  /**
   * @param method the call's name, for the refusal ({@code Export})
   * @param messageType the request message's name, for the refusal
   *     ({@code ExportTraceServiceRequest})
   * @return the message once the call's request side has ended; fails with an
   *     {@link IngestException}: TOO_LARGE past the server's maximum message size, INVALID for no
   *     message or more than one
   */
  public static Future<GrpcMessage> read(GrpcServerRequest<Buffer, Buffer> request,
      long maxMessageBytes, String method, String messageType) {
    Promise<GrpcMessage> done = Promise.promise();
    GrpcMessage[] message = new GrpcMessage[1];
    request.messageHandler(received -> {
      if (message[0] != null) {
        done.tryFail(new IngestException(IngestException.Reason.INVALID,
            method + " is a unary call: one message per request"));
      }
      message[0] = received;
    });
    request.invalidMessageHandler(tooLarge -> done.tryFail(new IngestException(
        IngestException.Reason.TOO_LARGE, "message is larger than " + maxMessageBytes
            + " bytes")));
    request.endHandler(v -> {
      if (message[0] == null) {
        done.tryFail(new IngestException(IngestException.Reason.INVALID,
            "no " + messageType + " message"));
      } else {
        done.tryComplete(message[0]);
      }
    });
    return done.future();
  }
}
