package apitabletest

import "time"

// WithClock sets the clock of the formula functions TODAY(), NOW(),
// TONOW() and FROMNOW() in filterByFormula, view filters and Formula
// fields (default time.Now, which is the bubble's fake clock inside a
// testing/synctest test). Give a fixed clock to test date filters:
//
//	apitabletest.WithClock(func() time.Time { return time.Date(2024, 1, 20, 9, 0, 0, 0, time.UTC) })
func WithClock(now func() time.Time) ServerOption { return func(c *config) { c.Now = now } }
