// Package djangoimport moves the users of a Django site into accountd: `accountd import
// django`. It reads Django's user table (auth_user, or a custom user model's), and
// optionally a profile table beside it and a table of organizations (the documented
// services' universities), from the Django database on PostgreSQL or SQLite, and writes
// them into accountd's database through bunstore.
//
// What it keeps:
//   - Django's user IDs, so that uids in links users already hold, and IDs that the
//     clients of the compatibility profiles stored, name the same users. Afterwards the
//     IDs accountd assigns continue after the largest imported one.
//   - The password hash as it is: internal/password verifies Django's hashers, and a
//     successful login replaces the hash with an argon2id one.
//
// Re-running is safe: a Django user is matched by ID, and updated when it changed. Rows
// that accountd cannot take are skipped with a reason (see the Reason constants), never
// half-written. Rows are streamed from the source and written in batches, each in its
// own transaction, so memory stays bounded whatever the table's size; a dry run writes
// the same way inside one transaction that is rolled back.
package djangoimport
