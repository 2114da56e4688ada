DROP TABLE email_requests;
