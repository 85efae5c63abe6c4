-- meshtrace schema, version 9: the service level objectives set through the admin API
-- (PUT/DELETE /api/slo/objectives/{name}). Every change appends the whole document as it is
-- after the change: the newest row is what is served (beside the --slo file's objectives, the
-- API's winning on a name both have), the older ones are the history (who, when, what changed).
-- Replicas poll the newest version number to pick a change up.
CREATE TABLE slo_objective_versions (
  version    bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  changed_at timestamptz NOT NULL DEFAULT now(),
  changed_by text        NOT NULL,
  change     text        NOT NULL,
  -- {"objectives": [...]}, each objective as the file writes it (ObjectiveJson in the control
  -- plane), validated before it is stored.
  document   jsonb       NOT NULL
);
