/** Sampling strategies, Jaeger remote sampling, xDS for the edge gateway (not built yet). */
package io.meshtrace.controlplane;
