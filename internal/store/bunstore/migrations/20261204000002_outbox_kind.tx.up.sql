-- What each queued email is (activation, password_reset, ...), kept with it until it is
-- delivered, for the transports that show it: the dir:// mailer's JSON sidecar and the
-- console mailer. Rows queued before this migration have none.
ALTER TABLE mail_outbox ADD COLUMN kind text NOT NULL DEFAULT '';
