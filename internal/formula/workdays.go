package formula

import (
	"math"
	"strings"
	"time"
)

// WORKDAY and WORKDAY_DIFF count Monday to Friday, minus the holidays
// given as comma-separated date text (date_time.ts WorkDay, WorkDayDiff),
// in UTC.

const day = 24 * time.Hour

func isWeekend(t time.Time) bool { return t.Weekday() == time.Saturday || t.Weekday() == time.Sunday }

// holidays reads WORKDAY's and WORKDAY_DIFF's third argument.
func (c *callExpr) holidays(a []any, i int) ([]time.Time, error) {
	if i >= len(a) {
		return nil, nil
	}
	s, err := c.text(a, i)
	if err != nil {
		return nil, err
	}
	var out []time.Time
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "null" || (part == "" && a[i] == nil) {
			continue
		}
		h, ok := toDate(part)
		if !ok {
			return nil, evalErr(c.pos, "%s: holiday %s is not a date", c.fn.name, Quote(part))
		}
		out = append(out, startOf(h, "d"))
	}
	return out, nil
}

// evalWorkdayDiff: WORKDAY_DIFF(start, end, [holidays]) counts the working
// days from start to end, both included; negative when end is earlier.
func evalWorkdayDiff(c *callExpr, t time.Time, a []any) (any, error) {
	if isBlank(a[1]) {
		return nil, evalErr(c.pos, "WORKDAY_DIFF argument 2: blank is not a date")
	}
	u, err := c.date(a, 1)
	if err != nil {
		return nil, err
	}
	hol, err := c.holidays(a, 2)
	if err != nil {
		return nil, err
	}
	start, end := startOf(t, "d"), startOf(u, "d")
	minus := start.After(end)
	if minus {
		start, end = end, start
	}
	n := workdaysBetween(start, end)
	for _, h := range hol {
		if end.After(h) && !start.After(h) && !isWeekend(h) {
			n--
		}
	}
	if minus {
		n = -n
	}
	return float64(n), nil
}

// workdaysBetween is the server's count for start ≤ end (midnights):
// whole weeks × 5 plus the working days of the remainder.
func workdaysBetween(start, end time.Time) int {
	wd := func(t time.Time) int { return int(t.Weekday()) }
	calc := func(d int) int {
		if d == 0 {
			return 7
		}
		return d
	}
	real := func(d int) int {
		if d == 0 || d == 6 {
			return 5
		}
		return d
	}
	s, e := wd(start), wd(end)
	cs, ce := calc(s), calc(e)
	diff := 0
	switch {
	case cs == ce:
		if s != 0 && s != 6 {
			diff = 1
		}
	case cs < ce && cs != 6:
		diff = real(e) - real(s) + 1
	case cs > ce:
		diff = 5 + real(e) - real(s) + 1
		if s == 0 || s == 6 {
			diff--
		}
	}
	weeks := int(end.Sub(start) / (7 * day))
	return weeks*5 + diff
}

// evalWorkday: WORKDAY(start, days, [holidays]) is the date days working
// days after (or before, when negative) start, skipping weekends and the
// holidays.
func evalWorkday(c *callExpr, t time.Time, a []any) (any, error) {
	n, err := c.num(a, 1)
	if err != nil {
		return nil, err
	}
	if math.Abs(n) > 1e7 {
		return nil, evalErr(c.pos, "WORKDAY: %s days is out of range", formatNumber(n))
	}
	hol, err := c.holidays(a, 2)
	if err != nil {
		return nil, err
	}
	step := 1
	if n < 0 {
		step = -1
	}
	cur := t
	if n == 0 { // the server first moves a weekend start back to Friday
		for isWeekend(cur) {
			cur = cur.Add(-day)
		}
	}
	for left := int(math.Abs(math.Trunc(n))); left > 0; {
		cur = cur.Add(time.Duration(step) * day)
		if !isWeekend(cur) {
			left--
		}
	}
	for _, h := range hol {
		lo, hi := startOf(t, "d"), startOf(cur, "d")
		if step < 0 {
			lo, hi = hi, lo
		}
		if h.Before(lo) || h.After(hi) || h.Equal(startOf(t, "d")) {
			continue
		}
		cur = cur.Add(time.Duration(step) * day)
		for isWeekend(cur) {
			cur = cur.Add(time.Duration(step) * day)
		}
	}
	return ms(cur), nil
}
