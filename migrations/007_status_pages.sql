-- Public status pages and badges (issue 17): pages an admin publishes at
-- /status/SLUG with groups of chosen monitors, a public badge key per monitor
-- for /badge/KEY.svg, and the one note per incident that those pages show.

CREATE TABLE status_pages (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug         text NOT NULL CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) BETWEEN 3 AND 64),
    title        text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    description  text NOT NULL DEFAULT '' CHECK (length(description) <= 2000),
    -- Opt-in: the page shows each monitor's median latency of the last 24 hours.
    show_latency boolean NOT NULL DEFAULT false,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT status_pages_slug_key UNIQUE (slug)
);

-- Groups in page order; an update replaces a page's groups and monitors whole.
CREATE TABLE status_page_groups (
    page_id  bigint NOT NULL REFERENCES status_pages (id) ON DELETE CASCADE,
    position integer NOT NULL CHECK (position >= 0),
    name     text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    PRIMARY KEY (page_id, position)
);

-- A monitor appears at most once on a page; deleting the monitor removes it
-- from every page.
CREATE TABLE status_page_monitors (
    page_id        bigint NOT NULL,
    group_position integer NOT NULL,
    position       integer NOT NULL CHECK (position >= 0),
    monitor_id     bigint NOT NULL REFERENCES monitors (id) ON DELETE CASCADE,
    -- Shown instead of the monitor's name; '' shows the name.
    display_name   text NOT NULL DEFAULT '' CHECK (length(display_name) <= 200),
    PRIMARY KEY (page_id, group_position, position),
    FOREIGN KEY (page_id, group_position) REFERENCES status_page_groups (page_id, position) ON DELETE CASCADE,
    CONSTRAINT status_page_monitors_once_key UNIQUE (page_id, monitor_id)
);
CREATE INDEX status_page_monitors_monitor_idx ON status_page_monitors (monitor_id);

-- A monitor's badge is public only while it has a row here; the key is random
-- (never the monitor's id), and disabling the badge deletes it.
CREATE TABLE monitor_badges (
    monitor_id bigint PRIMARY KEY REFERENCES monitors (id) ON DELETE CASCADE,
    key        text NOT NULL CHECK (key ~ '^[a-z2-7]{26}$'),
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT monitor_badges_key_key UNIQUE (key)
);

-- What the public is told about an incident; the internal summary and notes
-- never reach a status page.
CREATE TABLE incident_public_notes (
    incident_id bigint PRIMARY KEY REFERENCES incidents (id) ON DELETE CASCADE,
    body        text NOT NULL CHECK (length(body) BETWEEN 1 AND 4000),
    updated_by  bigint REFERENCES users (id) ON DELETE SET NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

---- create above / drop below ----

DROP TABLE incident_public_notes;
DROP TABLE monitor_badges;
DROP TABLE status_page_monitors;
DROP TABLE status_page_groups;
DROP TABLE status_pages;
