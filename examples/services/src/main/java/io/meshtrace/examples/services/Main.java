package io.meshtrace.examples.services;

import io.vertx.core.Vertx;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code java -jar example-services.jar shop|cart|payments [--port N] [--downstream-url URL]
 * [--meshtrace-host HOST] ...}: runs one example service until it is stopped.
 * Exit code 2 for invalid usage, 1 when the service cannot start.
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    ServiceConfig config;
    try {
      config = ServiceConfig.parse(List.of(args), System.getenv());
    } catch (ServiceConfig.InvalidSettingException e) {
      System.err.println("example-services: " + e.getMessage());
      System.err.println("usage: java -jar example-services.jar shop|cart|payments [--"
          + String.join(" V] [--", ServiceConfig.SETTINGS) + " V]");
      System.exit(2);
      return;
    }
    Vertx vertx = Vertx.vertx();
    ExampleService service;
    try {
      service = ExampleService.start(vertx, config).await(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      System.err.println("example-services: " + config.service() + " cannot start: " + e);
      vertx.close();
      System.exit(1);
      return;
    }
    System.out.println(config.service() + " listening on " + config.bind() + ":"
        + service.port() + (config.downstreamUrl() == null ? ""
        : ", calling " + config.downstreamUrl()) + "; spans "
        + (service.telemetry().export() == Telemetry.Export.ZIPKIN
            ? "Zipkin v2 to " + config.zipkinEndpoint()
            : "OTLP/HTTP to " + config.otlpEndpoint())
        + ", sampling strategies from " + config.samplingEndpoint());
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        service.stop().await(10, TimeUnit.SECONDS);
        // Not chained on stop(): a callback after close would find the event loops gone.
        vertx.close().await(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        System.err.println("example-services: stopping " + config.service() + ": " + e);
      }
    }, "example-services-stop"));
  }
}
