/**
 * What is served: {@link io.meshtrace.controlplane.sampling.served.ServedSamplingStrategies}
 * composes the strategies file (or Jaeger's default), the admin API, the observed traffic and
 * adaptive sampling into the strategies the SDKs and the edge gateway get.
 */
package io.meshtrace.controlplane.sampling.served;
