package io.meshtrace.storage.sampling;

/** An operation of a service, as sampling strategies and adaptive sampling name it. */
public record ServiceOperation(String service, String operation) {}
