package ratelimit

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"sync"
	"time"
)

// DefaultMaxKeys is the bound NewMemory uses when given none: about 15 MB of counters
// (some 150 bytes a key).
const DefaultMaxKeys = 100_000

const (
	// maxShards bounds the number of independently locked shards.
	maxShards = 64
	// minShardKeys is the fewest keys a shard holds. Each shard evicts on its own
	// once full, so small shards would evict live keys while the Memory as a whole
	// still had room.
	minShardKeys = 128
)

// Memory is a Limiter that keeps its counters in this process: right for a single
// instance. It is safe for concurrent use; keys are spread over independently locked
// shards so that requests for different keys rarely wait for each other.
//
// Memory holds at most maxKeys keys however many distinct keys arrive, as fixed-size
// SHA-256 digests, so long keys cost no more than short ones. Counters a window past
// their last event are dropped as their shard is used; when a shard is full, the
// counter closest to expiring goes first (for keys with the same window: the one
// counted least recently). Each shard holds its share of maxKeys, so eviction can begin
// a little before maxKeys keys in all (about 1% before, at the default). Evicting a live
// counter forgets its events, so choose maxKeys well above the number of keys active
// within the longest window.
type Memory struct {
	shards []shard
	mask   uint64
}

type shard struct {
	mu      sync.Mutex
	entries map[[sha256.Size]byte]*entry
	heap    []*entry // min-heap on counter.expires
	max     int
	_       [64]byte // keeps neighbouring shards' locks off one cache line
}

type entry struct {
	key [sha256.Size]byte
	c   counter
	i   int // index in shard.heap
}

// NewMemory returns a Memory holding at most maxKeys keys; maxKeys ≤ 0 means
// DefaultMaxKeys.
func NewMemory(maxKeys int) *Memory {
	if maxKeys <= 0 {
		maxKeys = DefaultMaxKeys
	}
	// A power of two, so that a digest picks its shard with a mask.
	n := 1
	for n*2 <= maxShards && n*2*minShardKeys <= maxKeys {
		n *= 2
	}
	m := &Memory{shards: make([]shard, n), mask: uint64(n - 1)}
	for i := range m.shards {
		// Shares that add up to exactly maxKeys.
		m.shards[i].max = maxKeys / n
		if i < maxKeys%n {
			m.shards[i].max++
		}
		m.shards[i].entries = make(map[[sha256.Size]byte]*entry)
	}
	return m
}

// Allow implements Limiter.
func (m *Memory) Allow(_ context.Context, key string, rule Rule, now time.Time) (Decision, error) {
	return m.decide(key, rule, now, true)
}

// Check implements Limiter.
func (m *Memory) Check(_ context.Context, key string, rule Rule, now time.Time) (Decision, error) {
	return m.decide(key, rule, now, false)
}

func (m *Memory) decide(key string, rule Rule, now time.Time, count bool) (Decision, error) {
	if rule.Disabled() {
		return unlimited, nil
	}
	if err := rule.validate(); err != nil {
		return Decision{}, err
	}
	p := newParams(rule, now)
	k := sha256.Sum256([]byte(key))
	s := m.shard(k)

	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropExpired(p.now)
	e := s.entries[k]
	var c counter
	if e != nil {
		c = e.c
	}
	d, next, ok := evaluate(c, p)
	if ok && count {
		s.store(k, e, next)
	}
	return d, nil
}

// Reset implements Limiter.
func (m *Memory) Reset(_ context.Context, key string) error {
	k := sha256.Sum256([]byte(key))
	s := m.shard(k)
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.entries[k]; e != nil {
		s.remove(e)
	}
	return nil
}

// Undo implements Limiter.
func (m *Memory) Undo(_ context.Context, key string, rule Rule, now time.Time) error {
	if rule.Disabled() {
		return nil
	}
	if err := rule.validate(); err != nil {
		return err
	}
	p := newParams(rule, now)
	k := sha256.Sum256([]byte(key))
	s := m.shard(k)
	s.mu.Lock()
	defer s.mu.Unlock()
	// The same condition as undoSQL (postgres.go). Expiry stays: it only ever bounds
	// how long the counter matters.
	if e := s.entries[k]; e != nil && e.c.expires > p.now && e.c.start == p.start && e.c.cur > 0 {
		e.c.cur--
	}
	return nil
}

// Len returns the number of keys held, expired ones not yet dropped included.
func (m *Memory) Len() int {
	n := 0
	for i := range m.shards {
		s := &m.shards[i]
		s.mu.Lock()
		n += len(s.entries)
		s.mu.Unlock()
	}
	return n
}

func (m *Memory) shard(k [sha256.Size]byte) *shard {
	return &m.shards[binary.LittleEndian.Uint64(k[:8])&m.mask]
}

// dropExpired removes the counters that have expired at now: they read as absent.
func (s *shard) dropExpired(now int64) {
	for len(s.heap) > 0 && s.heap[0].c.expires <= now {
		s.remove(s.heap[0])
	}
}

// store saves c for key k, whose entry is e (nil when absent), evicting the counter
// closest to expiring when the shard is full.
func (s *shard) store(k [sha256.Size]byte, e *entry, c counter) {
	if e != nil {
		e.c = c
		s.fix(e.i)
		return
	}
	if len(s.entries) >= s.max {
		s.remove(s.heap[0])
	}
	e = &entry{key: k, c: c, i: len(s.heap)}
	s.entries[k] = e
	s.heap = append(s.heap, e)
	s.up(e.i)
}

func (s *shard) remove(e *entry) {
	delete(s.entries, e.key)
	last := len(s.heap) - 1
	i := e.i
	if i != last {
		s.swap(i, last)
	}
	s.heap[last] = nil
	s.heap = s.heap[:last]
	if i != last {
		s.fix(i)
	}
}

// The heap: the counter that expires first at index 0.

func (s *shard) less(i, j int) bool { return s.heap[i].c.expires < s.heap[j].c.expires }

func (s *shard) swap(i, j int) {
	s.heap[i], s.heap[j] = s.heap[j], s.heap[i]
	s.heap[i].i = i
	s.heap[j].i = j
}

func (s *shard) fix(i int) {
	if !s.down(i) {
		s.up(i)
	}
}

func (s *shard) up(i int) {
	for i > 0 {
		parent := (i - 1) / 2
		if !s.less(i, parent) {
			return
		}
		s.swap(i, parent)
		i = parent
	}
}

// down moves the element at i down and reports whether it moved.
func (s *shard) down(i int) bool {
	start := i
	n := len(s.heap)
	for {
		child := 2*i + 1
		if child >= n || child < 0 {
			break
		}
		if right := child + 1; right < n && s.less(right, child) {
			child = right
		}
		if !s.less(child, i) {
			break
		}
		s.swap(i, child)
		i = child
	}
	return i > start
}
