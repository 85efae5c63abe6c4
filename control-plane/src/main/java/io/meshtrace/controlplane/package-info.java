/**
 * The control plane: sampling strategies ({@link io.meshtrace.controlplane.sampling}), served over
 * Jaeger's remote sampling protocol ({@link io.meshtrace.controlplane.remote}); xDS for the edge
 * gateway comes later.
 */
package io.meshtrace.controlplane;
