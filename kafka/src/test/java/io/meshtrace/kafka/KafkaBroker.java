package io.meshtrace.kafka;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * A real Apache Kafka broker for tests: one KRaft node (broker and controller) of the release the
 * build uses, in a JVM of its own on loopback, so that tests can stop it, kill it and start it
 * again on the same data and port. Formatting and starting are Kafka's own
 * ({@code kafka.tools.StorageTool}, {@code kafka.Kafka}).
 */
public final class KafkaBroker implements AutoCloseable {
  private final Path dir;
  private final int port;
  private final int controllerPort;
  private Process process;

  private KafkaBroker(Path dir, int port, int controllerPort) {
    this.dir = dir;
    this.port = port;
    this.controllerPort = controllerPort;
  }

  /** Formats a fresh data directory and starts the broker; returns once it answers. */
  public static KafkaBroker start() throws Exception {
    Path dir = Files.createTempDirectory("meshtrace-kafka-");
    KafkaBroker broker = new KafkaBroker(dir, freePort(), freePort());
    broker.writeConfig();
    broker.format();
    broker.startProcess();
    return broker;
  }

  public String bootstrapServers() {
    return "127.0.0.1:" + port;
  }

  /** Creates a topic and waits until it exists. */
  public void createTopic(String topic, int partitions) throws Exception {
    try (Admin admin = admin()) {
      admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all()
          .get(60, TimeUnit.SECONDS);
    }
  }

  public Admin admin() {
    Properties config = new Properties();
    config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
    config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
    config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
    return Admin.create(config);
  }

  /** Stops the broker as an operator would (SIGTERM), and waits. */
  public void stop() throws InterruptedException {
    if (process != null && process.isAlive()) {
      process.destroy();
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
    }
  }

  /** Starts it again on the same data and port, after {@link #stop()}. */
  public void restart() throws Exception {
    startProcess();
  }

  private void writeConfig() throws IOException {
    String config = String.join("\n",
        "process.roles=broker,controller",
        "node.id=1",
        "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
        "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
        "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
        "controller.listener.names=CONTROLLER",
        "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
        "inter.broker.listener.name=PLAINTEXT",
        "log.dirs=" + dir.resolve("data"),
        "num.partitions=4",
        "offsets.topic.replication.factor=1",
        "offsets.topic.num.partitions=4",
        "transaction.state.log.replication.factor=1",
        "transaction.state.log.min.isr=1",
        "transaction.state.log.num.partitions=4",
        "share.coordinator.state.topic.replication.factor=1",
        "share.coordinator.state.topic.min.isr=1",
        "group.initial.rebalance.delay.ms=0",
        "auto.create.topics.enable=true",
        "");
    Files.writeString(dir.resolve("server.properties"), config);
  }

  private void format() throws Exception {
    // "=": an ID may begin with "-", which would read as an option.
    Process format = java("kafka.tools.StorageTool", "format", "--cluster-id=" + uuidBase64(),
        "--config=" + dir.resolve("server.properties"))
        .redirectOutput(dir.resolve("format.log").toFile()).start();
    if (!format.waitFor(120, TimeUnit.SECONDS) || format.exitValue() != 0) {
      throw new IllegalStateException("kafka-storage format failed:\n"
          + Files.readString(dir.resolve("format.log")));
    }
  }

  private void startProcess() throws Exception {
    process = java("kafka.Kafka", dir.resolve("server.properties").toString())
        .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("broker.log").toFile()))
        .start();
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    while (true) {
      if (!process.isAlive()) {
        throw new IllegalStateException("the Kafka broker exited:\n" + tail());
      }
      if (answers()) {
        try (Admin admin = admin()) {
          admin.describeCluster().nodes().get(30, TimeUnit.SECONDS);
          return;
        } catch (Exception notYet) {
          // the socket listens before the broker has joined its own quorum
        }
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the Kafka broker did not start in 120 s:\n" + tail());
      }
      Thread.sleep(200);
    }
  }

  private boolean answers() {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private String tail() throws IOException {
    Path log = dir.resolve("broker.log");
    if (!Files.exists(log)) {
      return "(no log)";
    }
    List<String> lines = Files.readAllLines(log);
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
  }

  private ProcessBuilder java(String mainClass, String... args) {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
        "-cp", System.getProperty("java.class.path"), mainClass));
    command.addAll(List.of(args));
    return new ProcessBuilder(command).redirectErrorStream(true);
  }

  /** Kafka's cluster IDs: a UUID in URL-safe base64 without padding. */
  private static String uuidBase64() {
    UUID uuid = UUID.randomUUID();
    java.nio.ByteBuffer bytes = java.nio.ByteBuffer.allocate(16);
    bytes.putLong(uuid.getMostSignificantBits()).putLong(uuid.getLeastSignificantBits());
    return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(bytes.array());
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  @Override
  public void close() throws Exception {
    stop();
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    }
  }
}
