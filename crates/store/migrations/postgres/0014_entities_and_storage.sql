-- Entity identity: each registered entity (company or individual business) that shops trade under is
-- held by one merchant, found by its normalised key (NFKC, no invisible characters or spaces, Latin
-- letters in lower case; `domain::names::name_key`). The reopen wait after a closure keys on it too.
-- Existing shops get a key from their stored name (trimmed, lower case, without spaces): names stored
-- before normalisation existed may differ from a key computed now only by width or invisible
-- characters. The first merchant (by shop id) to use a key holds it.
CREATE TABLE entities (
    entity_key TEXT PRIMARY KEY,
    merchant_id BIGINT NOT NULL REFERENCES merchants(id),
    name TEXT NOT NULL,
    uscc TEXT,
    created_at_ms BIGINT NOT NULL
);

ALTER TABLE shops ADD COLUMN entity_key TEXT NOT NULL DEFAULT '';
UPDATE shops SET entity_key = lower(replace(trim(entity_name), ' ', ''));
CREATE INDEX shops_by_entity_key ON shops (entity_key, merchant_id);

INSERT INTO entities (entity_key, merchant_id, name, uscc, created_at_ms)
SELECT s.entity_key, s.merchant_id, s.entity_name, NULL, s.created_at_ms
FROM shops s
WHERE s.id = (SELECT MIN(t.id) FROM shops t WHERE t.entity_key = s.entity_key);

-- Storage: a cover's size counts against the merchant's quota like a video file's; a file a video
-- stops referring to is noted, and removed by the `files.collect` job after a grace period when no
-- video refers to it any more.
ALTER TABLE videos ADD COLUMN cover_bytes BIGINT;
CREATE TABLE unreferenced_files (
    kind TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    since_ms BIGINT NOT NULL,
    PRIMARY KEY (kind, sha256)
);
