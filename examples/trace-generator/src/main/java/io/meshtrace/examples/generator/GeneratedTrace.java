package io.meshtrace.examples.generator;

import java.util.List;

/**
 * One generated trace: its spans, root first, parents before children.
 *
 * @param index the trace's position in the run (0, 1, ...); with the seed it fixes the trace
 * @param error whether a span failed and the failure reached the root
 * @param outlier whether one span took 10-50 times its usual time
 * @param note what to look for in it (which span failed, which was slow), or null
 */
public record GeneratedTrace(long index, String traceId, List<GeneratedSpan> spans,
    boolean error, boolean outlier, String note) {

  public GeneratedSpan root() {
    return spans.get(0);
  }
}
