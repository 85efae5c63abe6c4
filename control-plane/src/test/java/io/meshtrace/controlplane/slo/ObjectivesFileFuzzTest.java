package io.meshtrace.controlplane.slo;

import io.meshtrace.fuzz.FuzzInputs;
import io.meshtrace.fuzz.FuzzTarget;
import java.nio.charset.StandardCharsets;
import java.util.List;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;

/**
 * Fuzzing of the objectives reader ({@code --slo}, YAML, and the admin API's JSON bodies):
 * mutations of the documented format must load or be refused with InvalidObjectivesException,
 * in time.
 */
class ObjectivesFileFuzzTest {
  static final FuzzTarget FILE = new FuzzTarget("slo-objectives-file",
      InvalidObjectivesException.class);
  static final FuzzTarget BODY = new FuzzTarget("slo-objective-body",
      InvalidObjectivesException.class);

  @Property
  void objectivesFileLoadsOrIsRefused(@ForAll("files") byte[] content) {
    FILE.check(content, () -> ObjectivesFile.parse(content));
  }

  @Property
  void anApiBodyLoadsOrIsRefused(@ForAll("bodies") byte[] content) {
    BODY.check(content, () -> ObjectivesFile.parseOne(new String(content,
        StandardCharsets.UTF_8), "fuzzed"));
  }

  @AfterContainer
  static void report() {
    FILE.report();
    BODY.report();
  }

  @Provide
  Arbitrary<byte[]> files() {
    return FuzzInputs.mutationsOf(List.of(FuzzInputs.utf8(ObjectivesFileTest.FILE),
        FuzzInputs.utf8("""
            {"objectives": [{"name": "a", "service": "s", "indicator": "latency",
              "threshold": "1.4s", "target": "99.5%", "window": "1d12h"}]}""")));
  }

  @Provide
  Arbitrary<byte[]> bodies() {
    return FuzzInputs.mutationsOf(List.of(FuzzInputs.utf8("""
        {"service": "checkout", "operation": "POST /pay", "spanKind": "client",
         "tenant": "team-a", "indicator": "latency", "threshold": "400ms", "target": 99,
         "window": "4w"}""")));
  }
}
