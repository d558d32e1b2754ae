-- A step's assertion results move into its step_results row (issue 11): one
-- JSONB array per step, in the assertions' order, written by the same
-- INSERT as the step. A 10-step chain wrote 33 assertion_results rows per
-- run before, each with its primary-key index entry and a foreign-key
-- check against step_results: more Postgres work than the step rows
-- themselves. Every reader takes a step's assertions with the step.
--
-- Each element is an object: source, comparison and passed always; property,
-- target, expected, actual and reason only when not empty.
ALTER TABLE step_results ADD COLUMN assertions jsonb NOT NULL DEFAULT '[]'::jsonb;

UPDATE step_results s SET assertions = a.list
FROM (
    SELECT run_id, attempt, step_position,
        jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
            'source', source, 'property', NULLIF(property, ''), 'comparison', comparison,
            'target', NULLIF(target, ''), 'expected', NULLIF(expected, ''), 'actual', NULLIF(actual, ''),
            'passed', passed, 'reason', NULLIF(reason, ''))) ORDER BY position) AS list
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
SELECT s.run_id, s.attempt, s.position, (e.ord - 1)::int, e.a->>'source', COALESCE(e.a->>'property', ''),
    e.a->>'comparison', COALESCE(e.a->>'target', ''), COALESCE(e.a->>'expected', ''), COALESCE(e.a->>'actual', ''),
    (e.a->>'passed')::boolean, COALESCE(e.a->>'reason', '')
FROM step_results s, jsonb_array_elements(s.assertions) WITH ORDINALITY AS e(a, ord);

ALTER TABLE step_results DROP COLUMN assertions;
