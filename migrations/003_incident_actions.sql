-- What people do with an incident in the GUI: who is on it (assignee), notes,
-- and a snooze that holds its reminders until a chosen time.
ALTER TABLE incidents
    ADD COLUMN assignee_id   bigint REFERENCES users (id) ON DELETE SET NULL,
    ADD COLUMN snoozed_until timestamptz;

CREATE TABLE incident_notes (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    incident_id bigint NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    author_id   bigint REFERENCES users (id) ON DELETE SET NULL,
    body        text NOT NULL CHECK (length(body) BETWEEN 1 AND 4000),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX incident_notes_incident_idx ON incident_notes (incident_id, id);

---- create above / drop below ----

DROP TABLE incident_notes;
ALTER TABLE incidents DROP COLUMN snoozed_until, DROP COLUMN assignee_id;
