package io.meshtrace.query.zipkin.conformance;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.TestInfo;
import zipkin2.storage.StorageComponent;

/**
 * Zipkin's own storage conformance suite (the zipkin-tests artifact) against meshtrace's
 * storage and Zipkin query path. Each test gets a fresh database, so there is nothing to clear.
 * No test is left out. The modes meshtrace does not offer are not tests but settings the suite
 * never turns off for these classes: {@code strictTraceId(false)} and {@code
 * searchEnabled(false)} ({@link MeshtraceZipkinStorage.Builder} refuses them).
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
  }
}
