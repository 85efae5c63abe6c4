package io.meshtrace.controlplane.slo;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The objectives served: the {@code --slo} file's and the admin API's together. On a name both
 * have, the API's wins, as an admin API strategy lies over the file's: the file can stay the
 * reviewed baseline, a change made through the API holds until it is deleted there, and
 * deleting it brings the file's back. Sorted by name, so that answers and renderings are stable.
 */
public final class ServedObjectives {
  private final Supplier<List<Objective>> file;
  private final Supplier<List<Objective>> api;
  private record Inputs(List<Objective> file, List<Objective> api) {}

  /** What was combined from which inputs: one field, so that a reader sees both or neither. */
  private record Resolved(Inputs from, List<ServedObjective> served) {}

  private volatile Resolved resolved;

  /**
   * @param file the file's objectives, empty (or null) without a file
   * @param api the admin API's newest objectives, empty (or null) when none were set
   */
  public ServedObjectives(Supplier<List<Objective>> file, Supplier<List<Objective>> api) {
    this.file = file;
    this.api = api;
  }

  /** What is served now; combined again only when a source has published new objectives. */
  public List<ServedObjective> current() {
    Inputs inputs = new Inputs(orEmpty(file.get()), orEmpty(api.get()));
    Resolved known = resolved;
    // The sources publish immutable lists: the same objects mean the same objectives.
    if (known != null && known.from().file() == inputs.file()
        && known.from().api() == inputs.api()) {
      return known.served();
    }
    List<ServedObjective> combined = combine(inputs.file(), inputs.api());
    resolved = new Resolved(inputs, combined);
    return combined;
  }

  static List<ServedObjective> combine(List<Objective> file, List<Objective> api) {
    Map<String, Objective> fromFile = new HashMap<>();
    file.forEach(objective -> fromFile.put(objective.name(), objective));
    Map<String, ServedObjective> served = new HashMap<>();
    for (Objective objective : file) {
      served.put(objective.name(), new ServedObjective(objective, ServedObjective.FILE, false));
    }
    for (Objective objective : api) {
      served.put(objective.name(), new ServedObjective(objective, ServedObjective.API,
          fromFile.containsKey(objective.name())));
    }
    List<ServedObjective> sorted = new ArrayList<>(served.values());
    sorted.sort(Comparator.comparing(s -> s.objective().name()));
    return List.copyOf(sorted);
  }

  private static List<Objective> orEmpty(List<Objective> objectives) {
    return objectives == null ? List.of() : objectives;
  }
}
