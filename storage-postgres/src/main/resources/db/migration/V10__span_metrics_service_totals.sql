-- meshtrace schema, version 10: beside each minute's rows of a service and span kind, the
-- writer adds their total over the operations, with operation null; the rollup keeps it per
-- hour. A service's charts (the SPM API without groupByOperation) read these rows alone, one a
-- minute or hour, where adding up its operations read one row per operation: a day of a
-- service with 50 operations is 1,440 rows, not 72,000. Rows written before this version have
-- no totals: a service's charts start at the upgrade (per-operation series are unchanged).
ALTER TABLE span_metrics_minute ALTER COLUMN operation DROP NOT NULL;
ALTER TABLE span_metrics_hour ALTER COLUMN operation DROP NOT NULL;
CREATE INDEX span_metrics_minute_service_total ON span_metrics_minute (service_id, minute)
  WHERE operation IS NULL;
CREATE INDEX span_metrics_hour_service_total ON span_metrics_hour (service_id, hour)
  WHERE operation IS NULL;
