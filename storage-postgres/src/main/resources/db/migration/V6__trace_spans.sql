-- A trace's spans, read in a way whose plan does not depend on statistics. Right after a day's
-- partition has filled (before anything analysed it) the planner took every trace ID to match
-- 0.5 % of its rows and read a trace by a hash join over a parallel sequential scan of the whole
-- partition (85 ms for 500,000 spans, where the index takes 0.05 ms), or, probing by trace ID
-- and day bounds, AND-ed the trace ID index with a scan of the whole day in the start time index.
-- Here each day that trace_days lists for the traces is read from its partition, by name and by
-- trace ID alone, so the trace ID index is the only index that applies; enable_seqscan = off
-- leaves the planner no sequential scan to prefer to it, however few or wrong its statistics.
-- The partition is read with *: partitions are made LIKE spans, columns in the same order, and
-- a column added to spans is added to them too, so the rows keep the shape of SETOF spans.
-- A partition that retention dropped meanwhile has no spans to give.
CREATE FUNCTION meshtrace_trace_spans(ids uuid[]) RETURNS SETOF spans
LANGUAGE plpgsql STABLE
SET enable_seqscan = off
AS $$
DECLARE
  trace_day date;
  day_ids uuid[];
  day_partition regclass;
BEGIN
  FOR trace_day, day_ids IN
      SELECT d.day, array_agg(DISTINCT d.trace_id) FROM trace_days d
      WHERE d.trace_id = ANY(ids) GROUP BY d.day LOOP
    day_partition := to_regclass('spans_' || to_char(trace_day, 'YYYYMMDD'));
    IF day_partition IS NOT NULL THEN
      RETURN QUERY EXECUTE format('SELECT * FROM %s s WHERE s.trace_id = ANY($1)', day_partition)
        USING day_ids;
    END IF;
  END LOOP;
END
$$;
