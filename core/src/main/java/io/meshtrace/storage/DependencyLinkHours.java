package io.meshtrace.storage;

import io.meshtrace.tenant.Tenant;
import io.vertx.core.Future;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Dependency links kept per closed hour, linked once from the whole traces whose first span is
 * in the hour, so that a long window's links need not be derived from every one of its traces
 * on each read. Readers take the hours that are linked ({@link SpanStore#getLinkedDependencies})
 * and link the rest of a window on read.
 *
 * <p>An hour's links stand until a span is written into the hour after {@link #LATE_WRITE}: the
 * write bumps the hour's version in its own transaction, so a reader never takes links that miss
 * an acknowledged span, and the hour is linked again.
 */
public interface DependencyLinkHours {
  /**
   * How long after an hour closes it is linked: a trace's spans arrive over seconds, over
   * minutes through a Kafka backlog. A trace's spans that start later than this after its first
   * hour closed are not in its links (Zipkin's daily dependency jobs have the same edge).
   */
  Duration LINK_DELAY = Duration.ofMinutes(15);

  /**
   * A span written this long after its hour closed marks the hour for linking again. Shorter
   * than {@link #LINK_DELAY}, so that writers' and linkers' clocks may differ by the rest.
   */
  Duration LATE_WRITE = Duration.ofMinutes(5);

  /** The tenants that have spans stored. */
  Future<List<Tenant>> tenants();

  /**
   * Up to {@code limit} of the tenant's hours in {@code [from, until)} whose links are missing or
   * older than a span written into them since, newest first.
   */
  Future<List<Instant>> hoursToLink(Tenant tenant, Instant from, Instant until, int limit);

  /**
   * The hour's write version, to be given back with its links: links put with an older version
   * than the hour's latest are kept but not read.
   */
  Future<Long> writtenVersion(Tenant tenant, Instant hour);

  /** Replaces the hour's links with these, linked when the hour's version was {@code version}. */
  Future<Void> putLinks(Tenant tenant, Instant hour, long version, List<DependencyLink> links);
}
