package cadasta

import (
	"testing"

	"github.com/accountd/accountd/internal/account"
)

func TestFullNameReadsBackAsWritten(t *testing.T) {
	for full, want := range map[string][2]string{
		"Joe Smith":               {"Joe", "Smith"},
		"Mary Ann Smith":          {"Mary Ann", "Smith"},
		"Cher":                    {"Cher", ""},
		"":                        {"", ""},
		"Joe  Smith":              {"Joe ", "Smith"},
		"Ludwig van Beethoven":    {"Ludwig van", "Beethoven"},
		"José\u00a0María Aznar":   {"José\u00a0María", "Aznar"},
		"Nguyễn\u00a0Văn\u00a0An": {"Nguyễn\u00a0Văn\u00a0An", ""},
	} {
		first, last := splitFullName(full)
		if first != want[0] || last != want[1] {
			t.Errorf("splitFullName(%q) = %q, %q; want %q, %q", full, first, last, want[0], want[1])
		}
		if got := fullNameOf(account.User{FirstName: first, LastName: last}); got != full {
			t.Errorf("%q reads back as %q", full, got)
		}
	}
}

func TestDecodeUID(t *testing.T) {
	for uid, want := range map[string]int64{"NQ": 5, "NQ==": 5, "MTIz": 123} {
		if got, ok := decodeUID(uid); !ok || got != want {
			t.Errorf("decodeUID(%q) = %d, %v; want %d", uid, got, ok, want)
		}
	}
	for _, uid := range []string{"", "!!", "MA", "LTE", "YWJj", "NQ\x00"} { // "", junk, 0, -1, "abc", NUL
		if got, ok := decodeUID(uid); ok {
			t.Errorf("decodeUID(%q) = %d, want refused", uid, got)
		}
	}
}
