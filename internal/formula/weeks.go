package formula

import (
	"math"
	"strings"
	"time"
)

// WEEKNUM(date, [startDayOfWeek]) follows date_time.ts WeekNum over
// dayjs's weekOfYear and weekYear plugins in the "en" locale (weeks start
// on Sunday; week 1 holds January 1), in UTC.
func evalWeekNum(c *callExpr, t time.Time, a []any) (any, error) {
	sow := 0
	if len(a) > 1 && a[1] != nil {
		s, _ := toText(a[1])
		switch strings.ToLower(s) {
		case "sunday":
		case "monday":
			sow = 1
		default:
			return nil, evalErr(c.pos, "WEEKNUM: the week starts on \"Sunday\" or \"Monday\", not %s", Quote(s))
		}
	}
	if weekYear(t) != t.Year() && dayjsWeek(t) == 1 {
		off := 1
		if sow == 1 && t.Weekday() == time.Sunday {
			off = 0
		}
		return float64(dayjsWeek(t.Add(-7*day)) + off), nil
	}
	if startOf(t.Add(-time.Duration(sow)*day), "w").Year() != t.Year() {
		return 1.0, nil
	}
	if sow == 1 && t.Weekday() == time.Sunday {
		return float64(dayjsWeek(t) - 1), nil
	}
	return float64(dayjsWeek(t)), nil
}

// dayjsWeek is dayjs's week() in the "en" locale.
func dayjsWeek(t time.Time) int {
	if t.Month() == time.December && t.Day() > 25 {
		nextYearStart := time.Date(t.Year()+1, 1, 1, 0, 0, 0, 0, time.UTC)
		endOfWeek := startOf(t, "w").Add(7*day - time.Millisecond)
		if nextYearStart.Before(endOfWeek) {
			return 1
		}
	}
	yearStartWeek := startOf(time.Date(t.Year(), 1, 1, 0, 0, 0, 0, time.UTC), "w").Add(-time.Millisecond)
	diff := float64(t.Sub(yearStartWeek)) / float64(7*day)
	if diff < 0 {
		return dayjsWeek(startOf(t, "w"))
	}
	return int(math.Ceil(diff))
}

// weekYear is dayjs's weekYear() in the "en" locale.
func weekYear(t time.Time) int {
	w := dayjsWeek(t)
	switch {
	case w == 1 && t.Month() == time.December:
		return t.Year() + 1
	case t.Month() == time.January && w >= 52:
		return t.Year() - 1
	}
	return t.Year()
}
