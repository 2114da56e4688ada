package cadasta

import (
	"strings"

	"github.com/accountd/accountd/internal/account"
)

// The platform keeps one full_name; accountd keeps a first and a last name, which the
// canonical API and the other profiles show. A full name goes in as people write theirs:
// the last word is the last name, the rest the first name ("Mary Ann Smith" → "Mary Ann"
// and "Smith"), and one word is a first name alone. It reads back exactly as written,
// since account.User.FullName joins the two with one space and the first name keeps any
// other space before the last word ("Joe  Smith" → "Joe " and "Smith"). DRF trims the
// value first, so it neither starts nor ends with a space.

// splitFullName splits a trimmed full name into first and last names.
func splitFullName(full string) (first, last string) {
	i := strings.LastIndexByte(full, ' ')
	if i < 0 {
		return full, ""
	}
	return full[:i], full[i+1:]
}

// namesAsFullName renames the account service's problems with a name to the field the
// client sent (for problemErrors).
var namesAsFullName = map[string]string{"first_name": "full_name", "last_name": "full_name"}

// fullNameOf is the account's full_name.
func fullNameOf(u account.User) string { return u.FullName() }
