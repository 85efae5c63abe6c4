package io.meshtrace.query.zipkin.conformance;

import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.TestInfo;
import zipkin2.Span;
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

  /**
   * The same suite with the hours of its spans linked as {@link
   * io.meshtrace.query.dependencies.HourlyDependencyLinker} links them once due (Zipkin's hook
   * for storages whose links a job aggregates), so that its reads take the stored hours where
   * they lie wholly in the asked window. Most of the suite's windows end a second into the hour
   * of its spans (today's midnight UTC), which is then linked on read; the windows over the day
   * before read its linked hours (canSearchForIntervalsBesidesToday fails if the stored links
   * are wrong).
   */
  @Nested
  class ITDependenciesLinkedHourly
      extends zipkin2.storage.ITDependencies<MeshtraceZipkinStorage> {
    @Override
    protected StorageComponent.Builder newStorageBuilder(TestInfo testInfo) {
      return MeshtraceZipkinStorage.newBuilder();
    }

    @Override
    protected boolean initializeStoragePerTest() {
      return true;
    }

    @Override
    protected void processDependencies(List<Span> spans) throws Exception {
      super.processDependencies(spans);
      storage.linkDueHoursOf(spans);
    }

    @Override
    protected void clear() {}
  }
}
