-- Where meshtrace's ingesters are in each Kafka partition. Moved in the same statement as the
-- spans a batch inserts (meshtrace_advance_positions), so that a record's spans are stored
-- exactly once: a batch is committed with its positions or not at all, and a batch whose
-- starting position is no longer the stored one (another ingester moved it) is refused whole.
CREATE TABLE source_positions (
  consumer    text   NOT NULL,
  topic       text   NOT NULL,
  partition   int    NOT NULL,
  next_offset bigint NOT NULL,
  PRIMARY KEY (consumer, topic, partition)
);

CREATE FUNCTION meshtrace_advance_positions(p_consumer text, p_topic text, p_partitions int[],
    p_from bigint[], p_to bigint[]) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
  i int;
  moved int;
BEGIN
  FOR i IN 1 .. coalesce(array_length(p_partitions, 1), 0) LOOP
    UPDATE source_positions SET next_offset = p_to[i]
      WHERE consumer = p_consumer AND topic = p_topic AND partition = p_partitions[i]
        AND next_offset = p_from[i];
    GET DIAGNOSTICS moved = ROW_COUNT;
    IF moved = 0 THEN
      INSERT INTO source_positions (consumer, topic, partition, next_offset)
        VALUES (p_consumer, p_topic, p_partitions[i], p_to[i])
        ON CONFLICT DO NOTHING;
      GET DIAGNOSTICS moved = ROW_COUNT;
      IF moved = 0 THEN
        RAISE EXCEPTION 'the position of % in %[%] is no longer %', p_consumer, p_topic,
          p_partitions[i], p_from[i] USING ERRCODE = 'MT001';
      END IF;
    END IF;
  END LOOP;
  RETURN 1;
END
$$;
