-- meshtrace schema, version 2: the sampling strategies set through the control plane's admin
-- API. Every change appends the whole document as it is after the change: the newest row is
-- what is served (over the strategies file, service by service), the older ones are the history
-- (who, when, what changed). Replicas poll the newest version number to pick a change up.
CREATE TABLE sampling_strategy_versions (
  version    bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  changed_at timestamptz NOT NULL DEFAULT now(),
  changed_by text        NOT NULL,
  change     text        NOT NULL,
  -- The admin API's strategies document in Jaeger's file format, as written back by
  -- SamplingStrategiesJsonWriter.
  document   jsonb       NOT NULL
);
