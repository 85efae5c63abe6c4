package io.meshtrace.storage;

import java.time.Instant;
import java.util.List;

/**
 * The dependency links of the hours of a window that have been linked from whole traces and not
 * written into since ({@link DependencyLinkHours}), summed; a trace counts in the hour of its
 * first span.
 *
 * @param hours the linked hours, each wholly in the window, oldest first
 * @param links their links summed, names as storage holds them
 */
public record LinkedDependencies(List<Instant> hours, List<DependencyLink> links) {
  public static final LinkedDependencies NONE = new LinkedDependencies(List.of(), List.of());

  public LinkedDependencies {
    hours = List.copyOf(hours);
    links = List.copyOf(links);
  }
}
