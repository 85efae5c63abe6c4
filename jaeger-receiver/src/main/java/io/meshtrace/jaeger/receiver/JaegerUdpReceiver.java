package io.meshtrace.jaeger.receiver;

import io.meshtrace.ingest.IngestException;
import io.meshtrace.ingest.IngestSource;
import io.meshtrace.ingest.ProblemLog;
import io.meshtrace.ingest.SpanIngest;
import io.meshtrace.tenant.Tenant;
import io.meshtrace.jaeger.codec.InvalidBatchException;
import io.meshtrace.jaeger.codec.JaegerThriftDecoder;
import io.meshtrace.lifecycle.Listener;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One of the Jaeger agent's UDP ports: 6831 ({@code Agent.emitBatch} in Thrift compact) or 6832
 * (the same in Thrift binary), what jaeger-client's {@code UdpSender} and OpenTelemetry's Jaeger
 * Thrift exporters with an agent port send.
 *
 * <p>UDP has no answer, so nothing sent here is acknowledged and nothing can promise it is
 * stored. What it does promise: the socket is always read. Each socket has a reader thread that
 * receives a packet, decodes it and hands its spans to the pipeline on an event loop; packets
 * whose spans wait for storage are bounded per socket, and a packet that arrives at the bound is
 * dropped whole, unread, and counted ({@link UdpPacketOutcome#DROPPED_FULL}), so slow or absent
 * storage costs packets, never the reader. Several sockets share the port through
 * {@code SO_REUSEPORT} where the system has it, each with its own thread.
 */
public final class JaegerUdpReceiver implements Listener {
  private static final Logger LOG = LoggerFactory.getLogger(JaegerUdpReceiver.class);
  /** Larger than any UDP datagram (65,507 bytes over IPv4), so that none is cut unseen. */
  private static final int RECEIVE_BUFFER = 65_536;
  public static final IngestSource COMPACT_SOURCE = new IngestSource("jaeger_udp",
      "thrift_compact", true);
  public static final IngestSource BINARY_SOURCE = new IngestSource("jaeger_udp",
      "thrift_binary", true);
  /** Every source these receivers report, so that their metrics exist from start-up. */
  public static final List<IngestSource> SOURCES = List.of(COMPACT_SOURCE, BINARY_SOURCE);

  /**
   * @param port the port, 0 for a free one
   * @param sockets sockets (and reader threads) sharing the port
   * @param queuePackets packets per socket whose spans may wait for storage at once
   * @param maxPacketBytes larger packets are dropped as {@code too_large}
   * @param socketBufferBytes the kernel's receive buffer per socket (SO_RCVBUF), 0 for the
   *     system's default
   * @param eventLoops event loops each socket's packets are spread over: one client sends from
   *     one port, so all its packets reach one socket, and the pipeline's work on them (limits,
   *     checks, row mapping) should not wait for a single loop
   */
  public record Settings(String bind, int port, JaegerThriftDecoder.Protocol protocol,
      int sockets, int queuePackets, int maxPacketBytes, int socketBufferBytes,
      int eventLoops) {}

  private final Vertx vertx;
  private final Settings settings;
  private final SpanIngest ingest;
  /** UDP has no headers: every packet's spans are this configured tenant's. */
  private final Tenant tenant;
  private final UdpPacketObserver observer;
  private final IngestSource source;
  private final ProblemLog problems = new ProblemLog(LOG);
  private final List<Reader> readers = new ArrayList<>();
  private volatile int boundPort;
  private volatile boolean stopping;

  public JaegerUdpReceiver(Vertx vertx, Settings settings, SpanIngest ingest,
      UdpPacketObserver observer) {
    this(vertx, settings, ingest, observer, Tenant.DEFAULT);
  }

  public JaegerUdpReceiver(Vertx vertx, Settings settings, SpanIngest ingest,
      UdpPacketObserver observer, Tenant tenant) {
    this.vertx = vertx;
    this.settings = settings;
    this.ingest = ingest;
    this.tenant = tenant;
    this.observer = observer;
    this.source = settings.protocol() == JaegerThriftDecoder.Protocol.COMPACT ? COMPACT_SOURCE
        : BINARY_SOURCE;
  }

  @Override
  public String name() {
    return "Jaeger agent UDP " + (settings.protocol() == JaegerThriftDecoder.Protocol.COMPACT
        ? "compact" : "binary") + " listener";
  }

  @Override
  public int port() {
    return boundPort;
  }

  @Override
  public Future<Void> start() {
    return vertx.executeBlocking(() -> {
      bind();
      return null;
    }, false);
  }

  private void bind() throws IOException {
    int port = settings.port();
    try {
      for (int i = 0; i < settings.sockets(); i++) {
        DatagramChannel channel = DatagramChannel.open();
        boolean shared = settings.sockets() > 1
            && channel.supportedOptions().contains(StandardSocketOptions.SO_REUSEPORT);
        if (shared) {
          channel.setOption(StandardSocketOptions.SO_REUSEPORT, true);
        } else if (i > 0) {
          channel.close();
          LOG.info("This system has no SO_REUSEPORT: one socket serves UDP port {}", port);
          break;
        }
        if (settings.socketBufferBytes() > 0) {
          channel.setOption(StandardSocketOptions.SO_RCVBUF, settings.socketBufferBytes());
          int granted = channel.getOption(StandardSocketOptions.SO_RCVBUF);
          // Linux reports twice what it grants (the doubling covers its bookkeeping).
          if (i == 0 && granted < settings.socketBufferBytes()) {
            LOG.warn("UDP port {} asked for a {}-byte receive buffer and got {}: bursts the "
                + "kernel cannot hold are lost before meshtrace sees them; raise "
                + "net.core.rmem_max to allow more", port, settings.socketBufferBytes(),
                granted);
          }
        }
        try {
          channel.bind(new InetSocketAddress(settings.bind(), port));
        } catch (IOException e) {
          channel.close();
          throw new IOException("cannot listen on UDP " + settings.bind() + ":" + port + ": "
              + e.getMessage(), e);
        }
        port = ((InetSocketAddress) channel.getLocalAddress()).getPort();
        readers.add(new Reader(channel, i));
      }
    } catch (IOException e) {
      closeAll();
      throw e;
    }
    boundPort = port;
    observer.listening(port);
    for (Reader reader : readers) {
      reader.thread.start();
    }
  }

  /** Closes the sockets; packets already read still reach storage. */
  @Override
  public Future<Void> stop() {
    stopping = true;
    return vertx.executeBlocking(() -> {
      closeAll();
      for (Reader reader : readers) {
        reader.thread.join(5_000);
      }
      return null;
    }, false);
  }

  private void closeAll() {
    for (Reader reader : readers) {
      try {
        reader.channel.close();
      } catch (IOException e) {
        LOG.debug("Closing a UDP socket: {}", e.toString());
      }
    }
  }

  private final class Reader implements Runnable {
    final DatagramChannel channel;
    final AtomicInteger inFlight = new AtomicInteger();
    final Thread thread;
    /** The event loops this reader hands its packets to, in turn. */
    private Context[] contexts;
    private int next;

    Reader(DatagramChannel channel, int index) {
      this.channel = channel;
      this.thread = new Thread(this, "meshtrace-jaeger-udp-" + settings.protocol().name()
          .toLowerCase(java.util.Locale.ROOT) + "-" + index);
      this.thread.setDaemon(true);
    }

    @Override
    public void run() {
      // From a thread that has no context, each call is a new context on the next event loop.
      contexts = new Context[Math.max(1, settings.eventLoops())];
      for (int i = 0; i < contexts.length; i++) {
        contexts[i] = vertx.getOrCreateContext();
      }
      ByteBuffer buffer = ByteBuffer.allocate(RECEIVE_BUFFER);
      while (!stopping) {
        buffer.clear();
        SocketAddress from;
        try {
          from = channel.receive(buffer);
        } catch (ClosedChannelException closed) {
          return;
        } catch (IOException e) {
          if (stopping) {
            return;
          }
          problems.warn("receive", "Receiving on UDP port " + boundPort + " failed: " + e);
          continue;
        }
        if (from != null) {
          handle(buffer, from);
        }
      }
    }

    private void handle(ByteBuffer buffer, SocketAddress from) {
      int length = buffer.position();
      int port = boundPort;
      if (length > settings.maxPacketBytes()) {
        observer.packet(port, UdpPacketOutcome.TOO_LARGE);
        problems.warn("too_large", "Dropped a " + length + "-byte packet from " + from
            + " on UDP port " + port + ": larger than " + settings.maxPacketBytes() + " bytes");
        return;
      }
      if (inFlight.get() >= settings.queuePackets()) {
        observer.packet(port, UdpPacketOutcome.DROPPED_FULL);
        problems.warn("dropped_full", "Dropping packets on UDP port " + port + ": "
            + settings.queuePackets() + " packets of this socket are waiting for storage");
        return;
      }
      List<ResourceSpans> spans;
      try {
        // Decoded in place: what it returns holds copies, not views into the buffer.
        spans = JaegerThriftDecoder.decodeAgentPacket(buffer.array(), length,
            settings.protocol());
      } catch (InvalidBatchException | RuntimeException malformed) {
        observer.packet(port, UdpPacketOutcome.MALFORMED);
        ingest.requestRefused(source, IngestException.Reason.INVALID);
        problems.warn("malformed", "Dropped a malformed " + length + "-byte packet from " + from
            + " on UDP port " + port + ": " + malformed.getMessage());
        return;
      }
      inFlight.incrementAndGet();
      Context context = contexts[next];
      next = (next + 1) % contexts.length;
      context.runOnContext(v -> ingest.accept(spans, source, tenant).onComplete(done -> {
        inFlight.decrementAndGet();
        if (done.succeeded()) {
          observer.packet(port, UdpPacketOutcome.STORED);
          return;
        }
        IngestException failure = IngestException.of(done.cause());
        UdpPacketOutcome outcome = switch (failure.reason()) {
          case OVERLOADED -> UdpPacketOutcome.DROPPED_FULL;
          case INVALID, UNSUPPORTED_MEDIA_TYPE -> UdpPacketOutcome.MALFORMED;
          case TOO_LARGE -> UdpPacketOutcome.TOO_LARGE;
          case UNAVAILABLE, INTERNAL -> UdpPacketOutcome.DROPPED_UNAVAILABLE;
        };
        observer.packet(port, outcome);
        problems.warn(outcome.label(), "Dropped a packet's spans from UDP port " + port + ": "
            + failure.getMessage());
      }));
    }
  }
}
