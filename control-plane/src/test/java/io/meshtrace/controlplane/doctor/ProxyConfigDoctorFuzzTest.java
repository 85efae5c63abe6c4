package io.meshtrace.controlplane.doctor;

import io.meshtrace.fuzz.FuzzInputs;
import io.meshtrace.fuzz.FuzzTarget;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;

/**
 * Fuzzing of {@code meshtrace doctor}'s inputs: mutations of real Istio and Envoy
 * configurations (istioctl bootstrap output, config dumps, Envoy bootstraps in JSON and YAML,
 * from ../shared/fixtures) must be read or refused with UnreadableProxyConfigException, and
 * whatever is read must be examined into a report without an exception.
 */
class ProxyConfigDoctorFuzzTest {
  static final FuzzTarget DOCTOR = new FuzzTarget("doctor-proxy-config",
      UnreadableProxyConfigException.class);
  static final HostPort EXPECTED = new HostPort("meshtrace.observability", 9411);

  @Property
  void proxyConfigIsExaminedOrRefused(@ForAll("configs") byte[] content) {
    DOCTOR.check(content, () -> ProxyConfigDoctor.examine(
        ProxyConfigInput.read(new String(content, StandardCharsets.UTF_8)), EXPECTED));
  }

  @AfterContainer
  static void report() {
    DOCTOR.report();
  }

  @Provide
  Arbitrary<byte[]> configs() {
    List<byte[]> seeds = new ArrayList<>();
    seeds.addAll(FuzzInputs.files(FuzzInputs.fixtures().resolve("istio"), ".json",
        ".proxycfg"));
    seeds.addAll(FuzzInputs.files(FuzzInputs.fixtures().resolve("envoy"), ".yaml"));
    if (seeds.isEmpty()) {
      throw new IllegalStateException("no fixtures under " + FuzzInputs.fixtures()
          + ": the shared/ folder must sit next to the repository");
    }
    return FuzzInputs.mutationsOf(seeds);
  }
}
