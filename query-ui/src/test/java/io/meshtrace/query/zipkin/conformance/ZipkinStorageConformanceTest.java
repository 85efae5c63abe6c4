package io.meshtrace.query.zipkin.conformance;

import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import zipkin2.storage.StorageComponent;

/**
 * Zipkin's own storage conformance suite (the zipkin-tests artifact) against meshtrace's
 * storage and Zipkin query path. Each test gets a fresh database, so there is nothing to clear.
 * Cases where meshtrace differs on purpose are overridden with {@code @Disabled} and the reason.
 */
class ZipkinStorageConformanceTest {

  @Nested
  class ITSpanStore extends zipkin2.storage.ITSpanStore<MeshtraceZipkinStorage> {
    @Override
    protected StorageComponent.Builder newStorageBuilder(TestInfo testInfo) {
      return MeshtraceZipkinStorage.newBuilder();
    }

    @Override
    protected boolean initializeStoragePerTest() {
      return true;
    }

    @Override
    protected void clear() {}

    @Test
    @Override
    @Disabled("meshtrace stores a span without timestamp as starting when it was received (its "
        + "partition needs a day), so it is found and read back with that timestamp")
    protected void getTraces_absentWhenNoTimestamp(TestInfo testInfo) {}
  }

  @Nested
  class ITTraces extends zipkin2.storage.ITTraces<MeshtraceZipkinStorage> {
    @Override
    protected StorageComponent.Builder newStorageBuilder(TestInfo testInfo) {
      return MeshtraceZipkinStorage.newBuilder();
    }

    @Override
    protected boolean initializeStoragePerTest() {
      return true;
    }

    @Override
    protected void clear() {}
  }

  @Nested
  class ITServiceAndSpanNames
      extends zipkin2.storage.ITServiceAndSpanNames<MeshtraceZipkinStorage> {
    @Override
    protected StorageComponent.Builder newStorageBuilder(TestInfo testInfo) {
      return MeshtraceZipkinStorage.newBuilder();
    }

    @Override
    protected boolean initializeStoragePerTest() {
      return true;
    }

    @Override
    protected void clear() {}

    @Test
    @Override
    @Disabled("spans without a service are listed under OpenTelemetry's unknown_service, as "
        + "storage names them for every API")
    protected void getLocalServiceNames_noServiceName(TestInfo testInfo) {}
  }

  @Nested
  class ITAutocompleteTags extends zipkin2.storage.ITAutocompleteTags<MeshtraceZipkinStorage> {
    @Override
    protected StorageComponent.Builder newStorageBuilder(TestInfo testInfo) {
      return MeshtraceZipkinStorage.newBuilder();
    }

    @Override
    protected boolean initializeStoragePerTest() {
      return true;
    }

    @Override
    protected void clear() {}
  }

  @Nested
  class ITDependencies extends zipkin2.storage.ITDependencies<MeshtraceZipkinStorage> {
    @Override
    protected StorageComponent.Builder newStorageBuilder(TestInfo testInfo) {
      return MeshtraceZipkinStorage.newBuilder();
    }

    @Override
    protected boolean initializeStoragePerTest() {
      return true;
    }

    @Override
    protected void clear() {}

    @Test
    @Override
    @Disabled("links are counted at ingest per 128-bit trace ID; the "
        + "64-bit half of a 128-bit trace is another trace")
    protected void getDependencies_linksMixedTraceId(TestInfo testInfo) {}

    @Test
    @Override
    @Disabled("links are counted as spans arrive, so spans sent twice count twice")
    protected void replayOverwrites(TestInfo testInfo) {}

    @Test
    @Override
    @Disabled("calls of a service to itself are not counted as dependencies")
    protected void dependencies_loopback(TestInfo testInfo) {}

    @Test
    @Override
    @Disabled("an uninstrumented caller is only known from a CLIENT "
        + "span's peer.service, not from a SERVER span's remote endpoint")
    protected void notInstrumentedClientAndServer(TestInfo testInfo) {}

    @Test
    @Override
    @Disabled("an uninstrumented caller is only known from a CLIENT span's "
        + "peer.service, not from a SERVER span's remote endpoint")
    protected void oneway_noClient(TestInfo testInfo) {}

    @Test
    @Override
    @Disabled("a producer is linked to its consumer directly, not "
        + "through the broker named in their remote endpoints")
    protected void instrumentedProducerAndConsumer(TestInfo testInfo) {}

    @Test
    @Override
    @Disabled("a SERVER span is linked only to its direct CLIENT or PRODUCER "
        + "parent, not to the nearest instrumented ancestor")
    protected void missingIntermediateSpan(TestInfo testInfo) {}

    @Test
    @Override
    @Disabled("calls are found by span kind; spans "
        + "without a kind are not guessed from their endpoints")
    protected void spanKindIsNotRequiredWhenEndpointsArePresent(TestInfo testInfo) {}

    @Test
    @Override
    @Disabled("calls are found by span kind; spans without a kind are not "
        + "guessed from their endpoints")
    protected void unnamedEndpointsAreSkipped(TestInfo testInfo) {}
  }
}
