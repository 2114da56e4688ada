package djoser

import "testing"

func TestDecodeUID(t *testing.T) {
	for uid, want := range map[string]int64{"NQ": 5, "NQ==": 5, "MTIz": 123} {
		if got, ok := decodeUID(uid); !ok || got != want {
			t.Errorf("decodeUID(%q) = %d, %v; want %d", uid, got, ok, want)
		}
	}
	for _, uid := range []string{"", "!!", "MA", "LTE", "YWJj"} { // "", junk, 0, -1, "abc"
		if got, ok := decodeUID(uid); ok {
			t.Errorf("decodeUID(%q) = %d, want refused", uid, got)
		}
	}
}
