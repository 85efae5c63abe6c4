-- meshtrace schema, version 11: archived traces (POST /api/archive/{traceID}, Jaeger's archive).
-- A copy of a trace that retention never drops: the table is not partitioned and partition
-- maintenance never deletes from it, so a row stays until DELETE /api/archive/{traceID}. The copy
-- is self-contained: the trace as an OTLP TracesData message (resources, scopes and spans whole),
-- referring to no dictionary row, so nothing that retention or a later migration does to the span
-- tables can change what an archived trace reads back as. Archiving again adds the spans that
-- arrived since (the union is taken by the writer, under an advisory lock on the trace).
CREATE TABLE archived_traces (
  tenant      text        NOT NULL,
  trace_id    uuid        NOT NULL,
  archived_at timestamptz NOT NULL DEFAULT now(),
  span_count  integer     NOT NULL,
  -- io.opentelemetry.proto.trace.v1.TracesData; TOAST compresses it (a trace's resources and
  -- attribute keys repeat span after span).
  trace       bytea       NOT NULL,
  PRIMARY KEY (tenant, trace_id)
);
