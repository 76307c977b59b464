-- A first sync's streamed snapshot under way (issue 27, docs/sync.md "First sync: the
-- snapshot"): the cursor its header hands off and the last workshop applied, written with
-- each chunk, so a first sync cut short (a kill, a lost link, a pause) resumes from the next
-- workshop. Both empty when no snapshot is under way; `cursor` stays empty until the
-- snapshot is whole.
ALTER TABLE sync_state ADD COLUMN snapshot_cursor TEXT NOT NULL DEFAULT '';
ALTER TABLE sync_state ADD COLUMN snapshot_after TEXT NOT NULL DEFAULT '';
