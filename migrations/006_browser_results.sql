-- Browser steps: a step of kind browser drives a page through a list of
-- actions instead of sending one request, and its assertions may look at the
-- page's URL and at values its extract actions kept.
ALTER TABLE steps ADD COLUMN kind text NOT NULL DEFAULT 'http' CHECK (kind IN ('http', 'browser'));
-- collection.Action values in their file form, e.g. {"click": "#submit"}.
ALTER TABLE steps ADD COLUMN actions jsonb NOT NULL DEFAULT '[]'::jsonb
    CHECK (jsonb_typeof(actions) = 'array' AND jsonb_array_length(actions) <= 100);
ALTER TABLE steps DROP CONSTRAINT steps_method_check;
ALTER TABLE steps ADD CONSTRAINT steps_method_check
    CHECK (method IN ('GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS') OR (kind = 'browser' AND method = ''));
ALTER TABLE assertions DROP CONSTRAINT assertions_source_check;
ALTER TABLE assertions ADD CONSTRAINT assertions_source_check
    CHECK (source IN ('status', 'latency', 'header', 'body', 'text', 'url', 'extracted'));

-- What each browser step saw, and its screenshots. Both hang off the step
-- result, so they are deleted with it (and follow whatever retention applies
-- to step results).

CREATE TABLE browser_results (
    run_id   bigint NOT NULL,
    attempt  integer NOT NULL,
    position integer NOT NULL,
    -- collection.BrowserResult without the screenshots' bytes: final URL, action
    -- log, extracted values, console errors, failed requests, page timings.
    detail   jsonb NOT NULL CHECK (octet_length(detail::text) <= 1048576),
    PRIMARY KEY (run_id, attempt, position),
    FOREIGN KEY (run_id, attempt, position) REFERENCES step_results (run_id, attempt, position) ON DELETE CASCADE
);

CREATE TABLE screenshots (
    run_id        bigint NOT NULL,
    attempt       integer NOT NULL,
    step_position integer NOT NULL,
    position      integer NOT NULL CHECK (position >= 0 AND position < 20),
    name          text NOT NULL,
    action        integer NOT NULL,
    auto          boolean NOT NULL DEFAULT false,
    mime          text NOT NULL,
    -- The runner caps a screenshot at 1 MiB by default; the column allows a
    -- configured cap up to 4 MiB.
    data          bytea NOT NULL CHECK (octet_length(data) <= 4194304),
    PRIMARY KEY (run_id, attempt, step_position, position),
    FOREIGN KEY (run_id, attempt, step_position) REFERENCES step_results (run_id, attempt, position) ON DELETE CASCADE
);

---- create above / drop below ----

DROP TABLE screenshots;
DROP TABLE browser_results;
-- Rolling back removes browser steps: the old schema cannot hold them.
DELETE FROM steps WHERE kind = 'browser';
ALTER TABLE assertions DROP CONSTRAINT assertions_source_check;
ALTER TABLE assertions ADD CONSTRAINT assertions_source_check
    CHECK (source IN ('status', 'latency', 'header', 'body', 'text'));
ALTER TABLE steps DROP CONSTRAINT steps_method_check;
ALTER TABLE steps ADD CONSTRAINT steps_method_check
    CHECK (method IN ('GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'));
ALTER TABLE steps DROP COLUMN actions;
ALTER TABLE steps DROP COLUMN kind;
