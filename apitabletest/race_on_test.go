//go:build race

package apitabletest

// raceEnabled: the race detector makes sync.Pool drop items at random, so
// allocation figures (encoding/json pools its buffers) are not comparable.
const raceEnabled = true
