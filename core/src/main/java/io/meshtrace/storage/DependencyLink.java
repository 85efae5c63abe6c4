package io.meshtrace.storage;

/** Calls from one service to another, and how many of them failed. */
public record DependencyLink(String parent, String child, long callCount, long errorCount) {}
