package io.meshtrace.controlplane.istio;

import java.util.List;

/** A strategies document that is valid but cannot become one resource per workload. */
public final class IstioRenderException extends Exception {
  private static final long serialVersionUID = 1L;

  public IstioRenderException(List<String> problems) {
    super(String.join("; ", problems));
  }
}
