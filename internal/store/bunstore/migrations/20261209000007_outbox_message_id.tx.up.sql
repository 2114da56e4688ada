-- The Message-ID each queued email keeps through every attempt: a worker that crashes
-- after the mail server accepted a message but before marking it sent sends it again
-- when its lease runs out, and a receiver can drop that copy by its Message-ID.
-- Rows queued before this column have none, and get a new one per attempt as before.
ALTER TABLE mail_outbox ADD COLUMN message_id text NOT NULL DEFAULT '';
