//go:build !race

package apitabletest

const raceEnabled = false
