package io.meshtrace.bench;

import io.meshtrace.examples.generator.GeneratedTrace;
import io.meshtrace.examples.generator.OtlpSpans;
import io.meshtrace.examples.generator.TraceGenerator;
import io.vertx.core.json.JsonObject;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Jaeger Thrift compact over UDP: the highest packet rate at which meshtrace stores every
 * packet for a minute, and what it drops at twice that rate.
 *
 * <p>Packets are {@code Agent.emitBatch} messages of trace-generator's spans (the ingest
 * workload: Envoy's tags on every span), one service's spans each, filled up to 65,000 bytes as
 * jaeger-client's UdpSender fills them. They are sent at a fixed rate (open loop) for a probe;
 * after it the server's {@code meshtrace_udp_packets_total} says how many were stored, dropped
 * by meshtrace (queue full, storage) or never read (the kernel's buffer overflowed: sent but
 * not counted at all). The rate grows by half until a probe loses packets, is refined, held for
 * {@code --hold-seconds} (stepping down a tenth while it loses any), then doubled and held.
 *
 * <pre>
 * java -cp bench/target/meshtrace-bench.jar io.meshtrace.bench.JaegerUdpBenchmark --port 6831 \
 *     --metrics-url http://127.0.0.1:14269/metrics
 * </pre>
 */
public final class JaegerUdpBenchmark {
  private static final Pattern PACKETS = Pattern.compile(
      "meshtrace_udp_packets_total\\{outcome=\"([a-z_]+)\",port=\"(\\d+)\"\\} ([0-9.eE+]+)");
  private static final HttpClient HTTP = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1).build();

  private final Map<String, String> args;
  private final int port;
  private final URI metrics;
  private final List<byte[]> packets = new ArrayList<>();
  private double spansPerPacket;

  private JaegerUdpBenchmark(Map<String, String> args) {
    this.args = args;
    this.port = Integer.parseInt(args.getOrDefault("port", "6831"));
    this.metrics = URI.create(args.getOrDefault("metrics-url",
        "http://127.0.0.1:14269/metrics"));
  }

  public static void main(String[] argv) throws Exception {
    Map<String, String> args = new LinkedHashMap<>();
    for (int i = 0; i + 1 < argv.length; i += 2) {
      if (!argv[i].startsWith("--")) {
        throw new IllegalArgumentException("unexpected argument " + argv[i]);
      }
      args.put(argv[i].substring(2), argv[i + 1]);
    }
    new JaegerUdpBenchmark(args).run();
  }

  private void run() throws Exception {
    build(Integer.parseInt(args.getOrDefault("unique-packets", "1500")),
        Integer.parseInt(args.getOrDefault("max-packet-bytes", "65000")));
    int probe = Integer.parseInt(args.getOrDefault("probe-seconds", "15"));
    int hold = Integer.parseInt(args.getOrDefault("hold-seconds", "60"));
    double rate = Double.parseDouble(args.getOrDefault("start-rate", "100"));
    try (DatagramChannel channel = DatagramChannel.open()) {
      channel.setOption(java.net.StandardSocketOptions.SO_SNDBUF, 4 << 20);
      channel.connect(new InetSocketAddress("127.0.0.1", port));
      step(channel, "warm-up", rate, 10);
      double best = 0;
      while (rate < 50_000) {
        JsonObject result = step(channel, "probe", rate, probe);
        if (!lossless(result)) {
          break;
        }
        best = rate;
        rate *= 1.5;
      }
      for (double factor : new double[] {1.25, 1.12}) {
        double candidate = best * factor;
        if (candidate < rate && lossless(step(channel, "refine", candidate, probe))) {
          best = candidate;
          break;
        }
      }
      JsonObject held = null;
      for (int attempt = 0; attempt < 8; attempt++) {
        JsonObject result = step(channel, "hold", best, hold);
        if (lossless(result)) {
          held = result;
          break;
        }
        best *= 0.85;
      }
      if (held == null) {
        System.out.println(new JsonObject().put("label", "jaeger-udp-summary")
            .put("losslessPacketsPerSecond", 0).put("note", "no rate held for "
                + hold + " s without a loss down to " + Math.round(best / 0.85)).encode());
        return;
      }
      JsonObject overload = step(channel, "overload-2x", best * 2, hold);
      System.out.println(new JsonObject().put("label", "jaeger-udp-summary")
          .put("spansPerPacket", Math.round(spansPerPacket * 10) / 10.0)
          .put("losslessPacketsPerSecond", Math.round(best))
          .put("losslessSpansPerSecond", Math.round(best * spansPerPacket))
          .put("held", held).put("overload", overload).encode());
    }
  }

  private static boolean lossless(JsonObject result) {
    return result.getLong("stored").equals(result.getLong("sent"));
  }

  private void build(int count, int maxBytes) throws Exception {
    TraceGenerator generator = new TraceGenerator(LoadGenerator.workload(7, 10));
    long now = ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
    Map<String, io.jaegertracing.thriftjava.Process> processes = new LinkedHashMap<>();
    for (long trace = 0; packets.size() < count; trace += 100) {
      List<GeneratedTrace> traces = new ArrayList<>();
      for (int t = 0; t < 100; t++) {
        traces.add(generator.trace(trace + t, now - 60_000_000 + trace));
      }
      for (Map.Entry<String, List<io.jaegertracing.thriftjava.Span>> service
          : JaegerThriftSpans.byService(OtlpSpans.of(traces).getResourceSpansList(), processes)
              .entrySet()) {
        List<byte[]> built = JaegerThriftSpans.agentPackets(processes.get(service.getKey()),
            service.getValue(), maxBytes);
        // The last packet of a service is only partly full; a client's would be too, rarely.
        packets.addAll(built.subList(0, Math.max(1, built.size() - 1)));
      }
    }
    long bytes = packets.stream().mapToLong(p -> p.length).sum();
    spansPerPacket = spansPerPacket();
    System.err.printf("built %d packets, %.0f bytes and %.1f spans each on average%n",
        packets.size(), (double) bytes / packets.size(), spansPerPacket);
  }

  /** Spans per packet, read back from the packets (their span lists' sizes). */
  private double spansPerPacket() throws Exception {
    long total = 0;
    for (byte[] packet : packets) {
      total += countSpans(packet);
    }
    return (double) total / packets.size();
  }

  private static int countSpans(byte[] packet) throws Exception {
    org.apache.thrift.transport.TMemoryInputTransport in =
        new org.apache.thrift.transport.TMemoryInputTransport(packet);
    org.apache.thrift.protocol.TCompactProtocol protocol =
        new org.apache.thrift.protocol.TCompactProtocol(in);
    protocol.readMessageBegin();
    io.jaegertracing.agent.thrift.Agent.emitBatch_args args =
        new io.jaegertracing.agent.thrift.Agent.emitBatch_args();
    args.read(protocol);
    return args.getBatch().getSpansSize();
  }

  /** Sends at {@code rate} packets a second for {@code seconds}, then counts what was stored. */
  private JsonObject step(DatagramChannel channel, String phase, double rate, int seconds)
      throws Exception {
    Map<String, Double> before = counters();
    long total = (long) (rate * seconds);
    long start = System.nanoTime();
    double nanosPerPacket = 1e9 / rate;
    long sendErrors = 0;
    for (long i = 0; i < total; i++) {
      long due = start + (long) (i * nanosPerPacket);
      long wait = due - System.nanoTime();
      if (wait > 20_000) {
        LockSupport.parkNanos(wait - 10_000);
      }
      while (System.nanoTime() < due) {
        Thread.onSpinWait();
      }
      byte[] packet = packets.get((int) (i % packets.size()));
      try {
        channel.write(ByteBuffer.wrap(packet));
      } catch (java.io.IOException e) {
        sendErrors++; // ECONNREFUSED from an earlier packet: counted as not stored
      }
    }
    double elapsed = (System.nanoTime() - start) / 1e9;
    Map<String, Double> after = settle(before, total);
    JsonObject result = new JsonObject().put("label", "jaeger-udp-" + phase)
        .put("packetsPerSecondTarget", Math.round(rate))
        .put("packetsPerSecondSent", Math.round(total / elapsed))
        .put("spansPerSecondSent", Math.round(total * spansPerPacket / elapsed))
        .put("seconds", seconds).put("sent", total).put("sendErrors", sendErrors);
    long counted = 0;
    for (String outcome : List.of("stored", "dropped_full", "dropped_unavailable", "malformed",
        "too_large")) {
      long n = Math.round(after.getOrDefault(outcome, 0.0) - before.getOrDefault(outcome, 0.0));
      result.put(outcome, n);
      counted += n;
    }
    result.put("neverRead", total - counted)
        .put("dropRate", Math.round((total - result.getLong("stored")) * 10_000.0 / total)
            / 10_000.0);
    System.out.println(result.encode());
    return result;
  }

  /** Waits until every sent packet is counted, or the counts stop moving for 3 s. */
  private Map<String, Double> settle(Map<String, Double> before, long sent) throws Exception {
    Map<String, Double> last = counters();
    long stableSince = System.nanoTime();
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    while (System.nanoTime() < deadline) {
      Thread.sleep(250);
      Map<String, Double> now = counters();
      double counted = 0;
      for (Map.Entry<String, Double> entry : now.entrySet()) {
        counted += entry.getValue() - before.getOrDefault(entry.getKey(), 0.0);
      }
      if (counted >= sent) {
        return now;
      }
      if (!now.equals(last)) {
        last = now;
        stableSince = System.nanoTime();
      } else if (System.nanoTime() - stableSince > Duration.ofSeconds(3).toNanos()) {
        return now;
      }
    }
    return last;
  }

  private Map<String, Double> counters() throws Exception {
    String text = HTTP.send(HttpRequest.newBuilder(metrics).GET().build(),
        HttpResponse.BodyHandlers.ofString()).body();
    Map<String, Double> counts = new LinkedHashMap<>();
    Matcher matcher = PACKETS.matcher(text);
    while (matcher.find()) {
      if (Integer.parseInt(matcher.group(2)) == port) {
        counts.put(matcher.group(1), Double.parseDouble(matcher.group(3)));
      }
    }
    if (counts.isEmpty()) {
      throw new IllegalStateException("no meshtrace_udp_packets_total for port " + port + " at "
          + metrics);
    }
    return counts;
  }
}
