package io.meshtrace.controlplane.slo;

/** What the objectives' sources report, for metrics. */
public interface SloObserver {
  SloObserver NONE = new SloObserver() {
    @Override
    public void objectivesLoaded(String source) {}

    @Override
    public void objectivesLoadFailed(String source) {}
  };

  /** Objectives of {@code source} ({@code file}, {@code api}) are in service: the first or new. */
  void objectivesLoaded(String source);

  /** {@code source} could not be read or parsed; the last good objectives stay in service. */
  void objectivesLoadFailed(String source);
}
