ALTER TABLE notes ADD COLUMN tags TEXT[] NOT NULL DEFAULT '{}';
CREATE INDEX notes_tags_idx ON notes USING GIN (tags);
