package io.meshtrace.query.zipkin;

import io.meshtrace.query.HttpResponses;
import io.vertx.core.buffer.Buffer;
import java.util.List;
import zipkin2.DependencyLink;
import zipkin2.Span;
import zipkin2.codec.DependencyLinkBytesEncoder;
import zipkin2.codec.SpanBytesEncoder;

/** The JSON bodies of the Zipkin v2 API, written by zipkin2's own encoders where it has them. */
final class ZipkinJson {
  private ZipkinJson() {}

  static Buffer trace(List<Span> spans) {
    return Buffer.buffer(SpanBytesEncoder.JSON_V2.encodeList(spans));
  }

  /** A list of traces, each a list of spans, as Zipkin's server writes it. */
  static Buffer traces(List<List<Span>> traces) {
    Buffer body = Buffer.buffer().appendByte((byte) '[');
    for (int i = 0; i < traces.size(); i++) {
      if (i > 0) {
        body.appendByte((byte) ',');
      }
      body.appendBytes(SpanBytesEncoder.JSON_V2.encodeList(traces.get(i)));
    }
    return body.appendByte((byte) ']');
  }

  /** Dependency links; zipkin2's encoder leaves out an {@code errorCount} of zero. */
  static Buffer dependencies(List<DependencyLink> links) {
    return Buffer.buffer(DependencyLinkBytesEncoder.JSON_V1.encodeList(links));
  }

  static Buffer strings(List<String> values) {
    return HttpResponses.json(json -> {
      json.writeStartArray();
      for (String value : values) {
        json.writeString(value);
      }
      json.writeEndArray();
    });
  }
}
