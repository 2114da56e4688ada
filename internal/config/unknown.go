package config

import (
	"fmt"
	"slices"
	"strings"
)

// retired are settings that are gone, with what replaces them: a variable left over
// from an older release gets this advice rather than a guess.
var retired = map[string]string{
	"ACCOUNTD_METRICS": "metrics left the API's port for a listener of their own: set ACCOUNTD_METRICS_ADDR (127.0.0.1:9090, say) to serve them",
}

// UnknownVariables returns a warning for each ACCOUNTD_* variable of environ (as
// os.Environ gives it, NAME=value) that is no setting of table: a typo such as
// ACCOUNTD_ADRR would otherwise be ignored without a word, and the server would run with
// the default the operator meant to change. Each warning names the variable and, when
// one is close enough, the setting it probably means. The values are never repeated:
// they may be secrets.
func UnknownVariables(environ []string, table []Setting) []string {
	known := make([]string, len(table))
	for i, s := range table {
		known[i] = s.Env
	}
	var warnings []string
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(name, "ACCOUNTD_") || slices.Contains(known, name) {
			continue
		}
		w := fmt.Sprintf("%s is not a setting and is ignored", name)
		if advice, ok := retired[name]; ok {
			w += ": " + advice
		} else if guess := closest(name, known); guess != "" {
			w += fmt.Sprintf(" (did you mean %s?)", guess)
		} else {
			w += " (`accountd serve -h` lists the settings)"
		}
		warnings = append(warnings, w)
	}
	slices.Sort(warnings)
	return warnings
}

// closest returns the name in names nearest to name by edit distance, if it is near
// enough to be a typo of it: a third of its length at most.
func closest(name string, names []string) string {
	best, bestDist := "", len(name)/3+1
	for _, n := range names {
		if d := editDistance(name, n); d < bestDist {
			best, bestDist = n, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, with a swap of two
// neighbouring letters (ADRR for ADDR is two substitutions) counted as one edit.
func editDistance(a, b string) int {
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
