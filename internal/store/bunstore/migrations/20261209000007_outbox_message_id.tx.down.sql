ALTER TABLE mail_outbox DROP COLUMN message_id;
