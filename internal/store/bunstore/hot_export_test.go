package bunstore

import "sync"

// RecordPrepared runs fn and returns the prepared statements (hot.go) it sent, which
// Bun's query hooks do not see. Tests using it must not run in parallel.
func RecordPrepared(fn func()) []string {
	var (
		mu   sync.Mutex
		sent []string
	)
	preparedQueryHook = func(q string) {
		mu.Lock()
		sent = append(sent, q)
		mu.Unlock()
	}
	defer func() { preparedQueryHook = nil }()
	fn()
	return sent
}
