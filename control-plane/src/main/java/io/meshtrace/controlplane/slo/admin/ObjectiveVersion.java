package io.meshtrace.controlplane.slo.admin;

import io.meshtrace.controlplane.slo.Objective;
import java.time.Instant;
import java.util.List;

/** One version of the admin API's objectives: all of them after a change, who, when, what. */
public record ObjectiveVersion(long version, Instant changedAt, String changedBy, String change,
    List<Objective> objectives) {
  public ObjectiveVersion {
    objectives = List.copyOf(objectives);
  }
}
