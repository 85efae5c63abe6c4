-- meshtrace schema, version 4: the probabilities adaptive sampling calculated, per service and
-- operation. One replica (the leader, holding an advisory lock) writes them every calculation
-- interval; every replica serves them.
CREATE TABLE adaptive_sampling_probabilities (
  service       text             NOT NULL,
  operation     text             NOT NULL,
  probability   double precision NOT NULL,
  calculated_at timestamptz      NOT NULL,
  PRIMARY KEY (service, operation)
);
