package io.meshtrace.controlplane.slo;

import java.util.Locale;

/** What an objective counts as a good call. */
public enum Indicator {
  /** A call whose span status is not ERROR. */
  AVAILABILITY,
  /** A call whose span lasted the threshold or less. */
  LATENCY;

  /** As written in the file and the API: {@code availability}, {@code latency}. */
  public String text() {
    return name().toLowerCase(Locale.ROOT);
  }
}
