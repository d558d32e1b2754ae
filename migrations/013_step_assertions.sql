-- A step's assertion results move into its step_results row (issue 11): one
-- JSONB array per step, in the assertions' order, written by the same
-- INSERT as the step. A 10-step chain wrote 33 assertion_results rows per
-- run before, each with its primary-key index entry and a foreign-key
-- check against step_results: more Postgres work than the step rows
-- themselves. Every reader takes a step's assertions with the step.
--
-- Each element is an array of eight fields by position: [source, property,
-- comparison, target, expected, actual, passed, reason] (passed a boolean,
-- the rest strings, '' when empty): half the size of an object with keys.
-- The UPDATE rewrites every step row that has assertions, in this one
-- transaction: 1M step rows with 3 assertions each took 23 s at load 7,
-- and the table holds the old row versions until it is vacuumed.
ALTER TABLE step_results ADD COLUMN assertions jsonb NOT NULL DEFAULT '[]'::jsonb;

UPDATE step_results s SET assertions = a.list
FROM (
    SELECT run_id, attempt, step_position,
        jsonb_agg(jsonb_build_array(source, property, comparison, target, expected, actual, passed, reason)
            ORDER BY position) AS list
    FROM assertion_results
    GROUP BY run_id, attempt, step_position
) a
WHERE s.run_id = a.run_id AND s.attempt = a.attempt AND s.position = a.step_position;

DROP TABLE assertion_results;

---- create above / drop below ----

CREATE TABLE assertion_results (
    run_id        bigint NOT NULL,
    attempt       integer NOT NULL,
    step_position integer NOT NULL,
    position      integer NOT NULL,
    source        text NOT NULL,
    property      text NOT NULL DEFAULT '',
    comparison    text NOT NULL,
    target        text NOT NULL DEFAULT '',
    expected      text NOT NULL DEFAULT '',
    actual        text NOT NULL DEFAULT '',
    passed        boolean NOT NULL,
    reason        text NOT NULL DEFAULT '',
    PRIMARY KEY (run_id, attempt, step_position, position),
    FOREIGN KEY (run_id, attempt, step_position) REFERENCES step_results (run_id, attempt, position) ON DELETE CASCADE
);

INSERT INTO assertion_results (run_id, attempt, step_position, position, source, property, comparison, target,
    expected, actual, passed, reason)
SELECT s.run_id, s.attempt, s.position, (e.ord - 1)::int, e.a->>0, e.a->>1, e.a->>2, e.a->>3, e.a->>4, e.a->>5,
    (e.a->>6)::boolean, e.a->>7
FROM step_results s, jsonb_array_elements(s.assertions) WITH ORDINALITY AS e(a, ord);

ALTER TABLE step_results DROP COLUMN assertions;
