package io.meshtrace.otlp.receiver;

import com.google.protobuf.InvalidProtocolBufferException;
import io.meshtrace.fuzz.FuzzInputs;
import io.meshtrace.fuzz.FuzzTarget;
import io.meshtrace.fuzz.OtlpSeeds;
import io.meshtrace.ingest.IngestException;
import io.vertx.core.buffer.Buffer;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;

/**
 * Fuzzing of the OTLP/HTTP (and gRPC) receiver's decoders as it calls them: protobuf with
 * aliasing ({@link OtlpProtobuf}, refusing with InvalidProtocolBufferException) and JSON
 * ({@link OtlpJson}, refusing with IngestException, the receiver's 400), each from mutations of
 * real requests and random bytes, within a deadline.
 */
class OtlpDecodersFuzzTest {
  static final FuzzTarget PROTOBUF = new FuzzTarget("otlp-protobuf",
      InvalidProtocolBufferException.class);
  static final FuzzTarget JSON = new FuzzTarget("otlp-receiver-json", IngestException.class);

  @Property
  void protobufParsesOrIsRefused(@ForAll("protobuf") byte[] body) {
    PROTOBUF.check(body, () -> {
      // Every field read, as the pipeline and storage read them.
      OtlpProtobuf.parseRequest(Buffer.buffer(body)).toString();
    });
  }

  @Property
  void jsonParsesOrIsRefused(@ForAll("json") byte[] body) {
    JSON.check(body, () -> OtlpJson.parseRequest(body));
  }

  @AfterContainer
  static void report() {
    PROTOBUF.report();
    JSON.report();
  }

  @Provide
  Arbitrary<byte[]> protobuf() {
    return FuzzInputs.mutationsOf(OtlpSeeds.protobuf());
  }

  @Provide
  Arbitrary<byte[]> json() {
    return FuzzInputs.mutationsOf(OtlpSeeds.json());
  }
}
