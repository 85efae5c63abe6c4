-- meshtrace schema, version 8: RED metrics of the stored spans (calls, errors, durations), per
-- minute of the spans' start and per service, span kind and operation, as each replica adds up
-- what it committed; rolled up to hours for long ranges. Rows of one series and minute may be
-- there more than once (replicas, spans that came after their minute was written): readers add
-- them up. Both tables have daily partitions, dropped with the spans' (retention).
--
-- latency is a base-2 exponential histogram of the durations at scale 4 (16 buckets a
-- doubling, quantiles within 2.2 %), encoded as io.meshtrace.metrics.LatencyHistogram does:
-- varints of the non-empty buckets, a float each for their weighted counts when the spans had
-- sampling weights. calls and errors are the spans as stored; estimated_ the traffic they stand
-- for, each span weighted by 1 / the probability its trace was sampled with.
CREATE TABLE span_metrics_minute (
  minute           timestamptz      NOT NULL,
  service_id       integer          NOT NULL,
  span_kind        smallint         NOT NULL,
  operation        text             NOT NULL,
  calls            bigint           NOT NULL,
  errors           bigint           NOT NULL,
  estimated_calls  double precision NOT NULL,
  estimated_errors double precision NOT NULL,
  latency          bytea            NOT NULL
) PARTITION BY RANGE (minute);
CREATE INDEX span_metrics_minute_service ON span_metrics_minute (service_id, minute);
-- For the rollup, which reads an hour of every service.
CREATE INDEX span_metrics_minute_time ON span_metrics_minute (minute);

CREATE TABLE span_metrics_hour (
  hour             timestamptz      NOT NULL,
  service_id       integer          NOT NULL,
  span_kind        smallint         NOT NULL,
  operation        text             NOT NULL,
  calls            bigint           NOT NULL,
  errors           bigint           NOT NULL,
  estimated_calls  double precision NOT NULL,
  estimated_errors double precision NOT NULL,
  latency          bytea            NOT NULL
) PARTITION BY RANGE (hour);
CREATE INDEX span_metrics_hour_service ON span_metrics_hour (service_id, hour);

-- The hours whose minutes were rolled up into span_metrics_hour. Minutes written later for an
-- hour listed here go into span_metrics_hour as well (the writer holds a shared advisory lock,
-- the rollup an exclusive one, so that neither misses the other).
CREATE TABLE span_metrics_rollups (
  hour timestamptz PRIMARY KEY
);

-- Makes the day's partition of a span metrics table, unless there is one.
CREATE FUNCTION meshtrace_ensure_span_metrics_partition(parent text, day date) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
  partition_name text := parent || '_' || to_char(day, 'YYYYMMDD');
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('meshtrace_span_metrics_partitions'));
  IF EXISTS (SELECT 1 FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
             WHERE i.inhparent = parent::regclass AND c.relname = partition_name) THEN
    RETURN false;
  END IF;
  IF to_regclass(partition_name) IS NOT NULL THEN
    EXECUTE format('DROP TABLE %I', partition_name);
  END IF;
  EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)',
                 partition_name, parent, day::timestamp AT TIME ZONE 'UTC',
                 (day + 1)::timestamp AT TIME ZONE 'UTC');
  RETURN true;
END
$$;
