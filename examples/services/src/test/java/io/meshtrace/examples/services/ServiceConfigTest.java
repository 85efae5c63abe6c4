package io.meshtrace.examples.services;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ServiceConfigTest {
  @Test
  void defaultsPointAtMeshtracesStandardPortsOnTheMeshtraceHost() {
    ServiceConfig cart = ServiceConfig.parse(List.of("cart"), Map.of("MESHTRACE_HOST", "mt"));
    assertThat(cart.port()).isEqualTo(8082);
    assertThat(cart.downstreamUrl()).isEqualTo(URI.create("http://localhost:8083"));
    assertThat(cart.otlpEndpoint()).isEqualTo(URI.create("http://mt:4318/v1/traces"));
    assertThat(cart.samplingEndpoint()).isEqualTo(URI.create("http://mt:14250"));
    assertThat(cart.zipkinEndpoint()).isEqualTo(URI.create("http://mt:9411/api/v2/spans"));
    assertThat(cart.samplingPollInterval()).isEqualTo(Duration.ofSeconds(10));
    assertThat(ServiceConfig.parse(List.of("payments"), Map.of()).downstreamUrl()).isNull();
  }

  @Test
  void aFlagWinsOverTheEnvironmentBothSpellingsOfFlags() {
    ServiceConfig shop = ServiceConfig.parse(
        List.of("shop", "--port=9000", "--downstream-url", "http://cart:8082"),
        Map.of("PORT", "7000", "DOWNSTREAM_URL", "http://elsewhere:1", "DECLINE_FRACTION", "0.5",
            "SAMPLING_POLL_INTERVAL", "500ms"));
    assertThat(shop.port()).isEqualTo(9000);
    assertThat(shop.downstreamUrl()).isEqualTo(URI.create("http://cart:8082"));
    assertThat(shop.declineFraction()).isEqualTo(0.5);
    assertThat(shop.samplingPollInterval()).isEqualTo(Duration.ofMillis(500));
  }

  @Test
  void badInputIsNamed() {
    assertThatThrownBy(() -> ServiceConfig.parse(List.of(), Map.of()))
        .hasMessage("the first argument must be the service to run: shop, cart or payments");
    assertThatThrownBy(() -> ServiceConfig.parse(List.of("basket"), Map.of()))
        .hasMessageEndingWith("(got 'basket')");
    assertThatThrownBy(() -> ServiceConfig.parse(List.of("shop", "--colour", "red"), Map.of()))
        .hasMessageStartingWith("unknown option --colour; known: --bind, --port,");
    assertThatThrownBy(() -> ServiceConfig.parse(List.of("shop", "--port"), Map.of()))
        .hasMessage("--port needs a value");
    assertThatThrownBy(() -> ServiceConfig.parse(List.of("shop"), Map.of("PORT", "70000")))
        .hasMessage("PORT: '70000' is not a port (0-65535)");
    assertThatThrownBy(() -> ServiceConfig.parse(List.of("shop", "--downstream-url", "cart:1"),
        Map.of())).hasMessage("--downstream-url: 'cart:1' is not an http(s) URL with a host");
    assertThatThrownBy(() -> ServiceConfig.parse(List.of("payments", "--decline-fraction", "2"),
        Map.of())).hasMessage("--decline-fraction: '2' is not a fraction between 0 and 1");
    assertThatThrownBy(() -> ServiceConfig.parse(List.of("shop"),
        Map.of("SAMPLING_POLL_INTERVAL", "soon")))
        .hasMessage("SAMPLING_POLL_INTERVAL: 'soon' is not a positive duration such as 500ms, "
            + "10s, 1m");
  }
}
