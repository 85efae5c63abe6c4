-- meshtrace schema, version 3: root spans counted per minute as they are committed, with the
-- sampling decision they report, for the control plane: adaptive sampling, and rate limits
-- served as probabilities, need to know how many traces each service and operation starts and
-- at what probability they were sampled. Every replica adds what it ingested.
CREATE TABLE root_span_throughput (
  minute        timestamptz      NOT NULL,
  service       text             NOT NULL,
  operation     text             NOT NULL,
  -- The sampler the root span reports: Jaeger clients' sampler.type (probabilistic,
  -- ratelimiting, lowerbound, const), "probabilistic" for an OpenTelemetry threshold in the
  -- trace state (ot=th:...), '' when the span says nothing.
  sampler_type  text             NOT NULL,
  -- Its sampler.param (a probability, or traces per second); -1 when the span gives none.
  sampler_param double precision NOT NULL,
  root_spans    bigint           NOT NULL,
  PRIMARY KEY (minute, service, operation, sampler_type, sampler_param)
);
