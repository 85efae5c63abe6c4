-- meshtrace schema, version 12: dependency links linked once per closed hour from whole traces,
-- by Zipkin's own DependencyLinker (the query side's HourlyDependencyLinker), so that a long
-- window's links are Zipkin's exactly without reading every trace of it on each request.
--
-- A trace's links count in the hour of its first span. An hour is linked once it has been
-- closed for a while (DependencyLinkHours.LINK_DELAY); a span written into an hour long closed
-- (DependencyLinkHours.LATE_WRITE) bumps the hour's written_version in the span's own insert,
-- and the hour's links stand only while linked_version equals it: readers link such an hour on
-- read until the linker has linked it again.
CREATE TABLE dependency_link_hours (
  tenant          text        NOT NULL,
  hour            timestamptz NOT NULL,
  written_version bigint      NOT NULL DEFAULT 0,
  -- The written_version the hour's links were linked at; null until they are.
  linked_version  bigint,
  PRIMARY KEY (tenant, hour)
);

-- The links of each linked hour. Names as storage holds them (the first spelling seen of each
-- name Zipkin lowercases).
CREATE TABLE linked_dependency_links (
  tenant      text        NOT NULL,
  hour        timestamptz NOT NULL,
  parent      text        NOT NULL,
  child       text        NOT NULL,
  call_count  bigint      NOT NULL,
  error_count bigint      NOT NULL,
  PRIMARY KEY (tenant, hour, parent, child)
);
