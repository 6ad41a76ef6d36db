package formula

import (
	"math"
	"strings"
	"time"
)

// Date functions. Server semantics: functions/date_time.ts of
// github.com/apitable/apitable (packages/core/src/formula_parser), which
// uses dayjs in the server process's time zone; this package works in UTC.
//
// A date is a number (ms since the epoch, what DateTime cells hold) or text
// that is a number or a date (see parseDate). As on the server, a date
// function whose first argument is blank returns blank, and a value that
// is not a date is an error.

func dateFuncs() []*funcDef {
	return []*funcDef{
		{name: "TODAY", min: 0, max: -1, lazy: func(c *callExpr, en *env) (any, error) {
			t, err := c.now(en)
			if err != nil {
				return nil, err
			}
			y, m, d := t.Date()
			return ms(time.Date(y, m, d, 0, 0, 0, 0, time.UTC)), nil
		}},
		{name: "NOW", min: 0, max: -1, lazy: func(c *callExpr, en *env) (any, error) {
			t, err := c.now(en)
			if err != nil {
				return nil, err
			}
			return ms(t), nil
		}},
		datePart("YEAR", func(t time.Time) int { return t.Year() }),
		datePart("MONTH", func(t time.Time) int { return int(t.Month()) }),
		datePart("DAY", func(t time.Time) int { return t.Day() }),
		datePart("HOUR", func(t time.Time) int { return t.Hour() }),
		datePart("MINUTE", func(t time.Time) int { return t.Minute() }),
		datePart("SECOND", func(t time.Time) int { return t.Second() }),
		dateFunc("WEEKDAY", 1, func(c *callExpr, t time.Time, a []any) (any, error) {
			d := int(t.Weekday())
			if len(a) > 1 {
				if s, _ := toText(a[1]); strings.EqualFold(s, "monday") {
					d = (d + 6) % 7
				}
			}
			return float64(d), nil
		}),
		dateFunc("DATESTR", 1, func(_ *callExpr, t time.Time, _ []any) (any, error) { return t.Format("2006-01-02"), nil }),
		dateFunc("TIMESTR", 1, func(_ *callExpr, t time.Time, _ []any) (any, error) { return t.Format("15:04:05"), nil }),
		dateFunc("IS_AFTER", 2, func(c *callExpr, t time.Time, a []any) (any, error) { return compareDates(c, t, a, 1) }),
		dateFunc("IS_BEFORE", 2, func(c *callExpr, t time.Time, a []any) (any, error) { return compareDates(c, t, a, -1) }),
		dateFunc("IS_SAME", 2, evalIsSame),
		dateFunc("DATEADD", 3, evalDateAdd),
		dateFunc("DATETIME_DIFF", 2, evalDatetimeDiff),
		dateFunc("DATETIME_FORMAT", 1, evalDatetimeFormat),
		dateFunc("WORKDAY", 2, evalWorkday),
		dateFunc("WORKDAY_DIFF", 2, evalWorkdayDiff),
		dateFunc("WEEKNUM", 1, evalWeekNum),
		{name: "DATETIME_PARSE", min: 1, max: -1, eager: evalDatetimeParse},
		dateFunc("SET_TIMEZONE", 1, evalSetTimezone),
		{name: "TONOW", min: 2, max: -1, lazy: evalToNow},
		{name: "FROMNOW", min: 2, max: -1, lazy: evalToNow},
		{name: "CREATED_TIME", min: 0, max: -1, lazy: func(_ *callExpr, en *env) (any, error) {
			return msOrBlank(en.ctx.CreatedAt), nil
		}},
		{name: "LAST_MODIFIED_TIME", min: 0, max: -1, lazy: evalLastModified},
		{name: "RECORD_ID", min: 0, max: -1, lazy: func(_ *callExpr, en *env) (any, error) {
			return en.ctx.RecordID, nil // record.ts RecordId
		}},
	}
}

// now reads the Context's clock.
func (c *callExpr) now(en *env) (time.Time, error) {
	if en.ctx.Now == nil {
		return time.Time{}, evalErr(c.pos, "%s: no clock (formula.Context.Now is nil)", c.fn.name)
	}
	return en.ctx.Now().UTC(), nil
}

func ms(t time.Time) float64 { return float64(t.UnixMilli()) }

func msOrBlank(v int64) any {
	if v == 0 {
		return nil
	}
	return float64(v)
}

// dateFunc is a function whose first argument is a date: blank in, blank
// out (interpreter.ts: the DateTime pre-check); not a date is an error.
func dateFunc(name string, min int, f func(c *callExpr, t time.Time, a []any) (any, error)) *funcDef {
	return &funcDef{name: name, min: min, max: -1, eager: func(c *callExpr, a []any) (any, error) {
		if isBlank(a[0]) {
			return nil, nil
		}
		t, err := c.date(a, 0)
		if err != nil {
			return nil, err
		}
		return f(c, t, a)
	}}
}

func datePart(name string, part func(time.Time) int) *funcDef {
	return dateFunc(name, 1, func(_ *callExpr, t time.Time, _ []any) (any, error) { return float64(part(t)), nil })
}

func isBlank(v any) bool {
	if arr, ok := v.([]any); ok {
		return len(arr) == 0
	}
	return v == nil
}

// date converts argument i to a time in UTC.
func (c *callExpr) date(a []any, i int) (time.Time, error) {
	t, ok := toDate(a[i])
	if !ok {
		s, _ := toText(a[i])
		return time.Time{}, evalErr(c.pos, "%s argument %d: %s is not a date", c.fn.name, i+1, Quote(s))
	}
	return t, nil
}

// toDate: a number (or numeric text) is ms since the epoch; other text is
// parsed by parseDate; a one-element array is its element.
func toDate(v any) (time.Time, bool) {
	switch x := v.(type) {
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) || math.Abs(x) > 8.64e15 {
			return time.Time{}, false
		}
		return time.UnixMilli(int64(x)).UTC(), true
	case string:
		if f, ok := parseNumericText(x); ok {
			return toDate(f)
		}
		return parseDate(x)
	case []any:
		if len(x) == 1 {
			return toDate(x[0])
		}
	case zonedDate:
		return x.t, true
	}
	return time.Time{}, false
}

// dateLayouts are the date texts parseDate reads: ISO 8601 with or without
// a zone, and the forms dayjs reads without a format (YYYY-MM-DD,
// YYYY/MM/DD, with an optional time).
var dateLayouts = []string{
	time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04",
	"2006-01-02 15:04:05.999999999", "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02",
	"2006/01/02 15:04:05", "2006/01/02 15:04", "2006/01/02", "2006-1-2", "2006/1/2", "2006-01", "2006",
}

// parseDate reads a date text in UTC (the server reads zone-less text in
// its process's zone).
func parseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, l := range dateLayouts {
		if t, err := time.ParseInLocation(l, s, time.UTC); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// compareDates: IS_AFTER (want 1) and IS_BEFORE (want -1) are blank when
// either date is blank.
func compareDates(c *callExpr, t time.Time, a []any, want int) (any, error) {
	if isBlank(a[1]) {
		return nil, nil
	}
	u, err := c.date(a, 1)
	if err != nil {
		return nil, err
	}
	return t.Compare(u) == want, nil
}

// unit is a dayjs unit name, long or short (date_time.ts UnitMapBase).
func (c *callExpr) unit(a []any, i int, def string) (string, error) {
	s := def
	if i < len(a) && !isBlank(a[i]) {
		s, _ = toText(a[i])
	}
	switch s {
	case "milliseconds", "ms":
		return "ms", nil
	case "seconds", "s":
		return "s", nil
	case "minutes", "m":
		return "m", nil
	case "hours", "h":
		return "h", nil
	case "days", "d":
		return "d", nil
	case "weeks", "w":
		return "w", nil
	case "months", "M":
		return "M", nil
	case "quarters", "Q":
		return "Q", nil
	case "years", "y":
		return "y", nil
	}
	return "", evalErr(c.pos, "%s: unknown unit %s", c.fn.name, Quote(s))
}

var unitMs = map[string]float64{"ms": 1, "s": 1e3, "m": 6e4, "h": 3.6e6, "d": 8.64e7, "w": 6.048e8}

// evalDateAdd: DATEADD(date, count, unit) as dayjs add: months, quarters
// and years keep the day of the month, clamped to the month's last day.
func evalDateAdd(c *callExpr, t time.Time, a []any) (any, error) {
	n, err := c.num(a, 1)
	if err != nil {
		return nil, err
	}
	u, err := c.unit(a, 2, "")
	if err != nil {
		return nil, err
	}
	switch u {
	case "M", "Q", "y":
		months := map[string]int{"M": 1, "Q": 3, "y": 12}[u] * int(math.Trunc(n))
		return ms(addMonths(t, months)), nil
	}
	return c.finite(ms(t) + math.Round(n*unitMs[u]))
}

// addMonths adds months, clamping the day to the target month's length.
func addMonths(t time.Time, months int) time.Time {
	y, m, d := t.Date()
	first := time.Date(y, m+time.Month(months), 1, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	return first.AddDate(0, 0, min(d, last)-1)
}

// evalDatetimeDiff: DATETIME_DIFF(date1, date2, [unit = days]) is dayjs
// date1.diff(date2, unit, true): a fractional count, positive when date1 is
// later; months, quarters and years use dayjs's month difference.
func evalDatetimeDiff(c *callExpr, t time.Time, a []any) (any, error) {
	if isBlank(a[1]) {
		return nil, nil
	}
	u2, err := c.date(a, 1)
	if err != nil {
		return nil, err
	}
	unit, err := c.unit(a, 2, "days")
	if err != nil {
		return nil, err
	}
	switch unit {
	case "M":
		return monthDiff(t, u2), nil
	case "Q":
		return monthDiff(t, u2) / 3, nil
	case "y":
		return monthDiff(t, u2) / 12, nil
	}
	return (ms(t) - ms(u2)) / unitMs[unit], nil
}

// monthDiff is dayjs's monthDiff(a, b) as used by a.diff(b, "M", true).
func monthDiff(a, b time.Time) float64 {
	if a.Day() < b.Day() {
		return -monthDiff(b, a)
	}
	whole := (b.Year()-a.Year())*12 + int(b.Month()-a.Month())
	anchor := addMonths(a, whole)
	before := b.Before(anchor)
	step := 1
	if before {
		step = -1
	}
	anchor2 := addMonths(a, whole+step)
	var frac float64
	if before {
		frac = (ms(b) - ms(anchor)) / (ms(anchor) - ms(anchor2))
	} else {
		frac = (ms(b) - ms(anchor)) / (ms(anchor2) - ms(anchor))
	}
	r := -(float64(whole) + frac)
	if r == 0 || math.IsNaN(r) {
		return 0
	}
	return r
}

// evalIsSame: IS_SAME(date1, date2, [unit = ms]) is dayjs isSame: date2
// falls within date1's unit (weeks start on Sunday).
func evalIsSame(c *callExpr, t time.Time, a []any) (any, error) {
	if isBlank(a[1]) {
		return nil, evalErr(c.pos, "IS_SAME argument 2: blank is not a date")
	}
	u, err := c.date(a, 1)
	if err != nil {
		return nil, err
	}
	unit, err := c.unit(a, 2, "ms")
	if err != nil {
		return nil, err
	}
	start := startOf(t, unit)
	return !u.Before(start) && u.Before(nextStart(start, unit)), nil
}

// nextStart is the start of the unit after the one starting at start
// (dayjs endOf(unit) plus 1 ms).
func nextStart(start time.Time, unit string) time.Time {
	switch unit {
	case "y":
		return start.AddDate(1, 0, 0)
	case "Q":
		return start.AddDate(0, 3, 0)
	case "M":
		return start.AddDate(0, 1, 0)
	case "w":
		return start.AddDate(0, 0, 7)
	case "d":
		return start.AddDate(0, 0, 1)
	case "h":
		return start.Add(time.Hour)
	case "m":
		return start.Add(time.Minute)
	case "s":
		return start.Add(time.Second)
	}
	return start.Add(time.Millisecond)
}

// startOf is dayjs startOf(unit) in t's zone (UTC unless SET_TIMEZONE).
func startOf(t time.Time, unit string) time.Time {
	y, m, d := t.Date()
	loc := t.Location()
	switch unit {
	case "y":
		return time.Date(y, 1, 1, 0, 0, 0, 0, loc)
	case "Q":
		return time.Date(y, (m-1)/3*3+1, 1, 0, 0, 0, 0, loc)
	case "M":
		return time.Date(y, m, 1, 0, 0, 0, 0, loc)
	case "w":
		return time.Date(y, m, d-int(t.Weekday()), 0, 0, 0, 0, loc)
	case "d":
		return time.Date(y, m, d, 0, 0, 0, 0, loc)
	case "h":
		return t.Truncate(time.Hour)
	case "m":
		return t.Truncate(time.Minute)
	case "s":
		return t.Truncate(time.Second)
	}
	return t.Truncate(time.Millisecond)
}

// evalLastModified: LAST_MODIFIED_TIME() is the record's last change;
// LAST_MODIFIED_TIME({A}, {B}) the latest change of those fields' cells.
func evalLastModified(c *callExpr, en *env) (any, error) {
	if len(c.args) == 0 {
		return msOrBlank(en.ctx.UpdatedAt), nil
	}
	var latest int64
	for i, arg := range c.args {
		f, ok := arg.(*fieldRef)
		if !ok {
			return nil, evalErr(c.pos, "LAST_MODIFIED_TIME argument %d must be a field reference", i+1)
		}
		if en.ctx.FieldUpdatedAt == nil {
			continue
		}
		if at, ok := en.ctx.FieldUpdatedAt(f.name); ok {
			latest = max(latest, at)
		}
	}
	return msOrBlank(latest), nil
}

// evalToNow: TONOW(date, unit) and FROMNOW(date, unit) are both
// |now.diff(date, unit)| with the count truncated to an integer
// (date_time.ts ToNow, FromNow: DatetimeDiffUtil.calc without float).
func evalToNow(c *callExpr, en *env) (any, error) {
	a := make([]any, len(c.args))
	for i, arg := range c.args {
		v, err := arg.eval(en)
		if err != nil {
			return nil, err
		}
		a[i] = v
	}
	if isBlank(a[0]) {
		return nil, nil
	}
	now, err := c.now(en)
	if err != nil {
		return nil, err
	}
	diff, err := evalDatetimeDiff(c, now, []any{ms(now), a[0], a[1]})
	if err != nil || diff == nil {
		return diff, err
	}
	return math.Abs(math.Trunc(diff.(float64))), nil
}

// zonedDate is what SET_TIMEZONE returns: a dayjs object with a UTC offset.
// Date functions read it in its zone (HOUR, DATETIME_FORMAT); compared or
// used as a number it is its timestamp; as text it is JavaScript's
// toString of a dayjs object (the UTC date in RFC 1123 form); a formula
// whose result it is yields the timestamp.
type zonedDate struct{ t time.Time }

func (d zonedDate) String() string { return d.t.UTC().Format("Mon, 02 Jan 2006 15:04:05 GMT") }

// evalSetTimezone: SET_TIMEZONE(date, [offset = 8]) is dayjs
// utcOffset(offset): hours when |offset| ≤ 16, else minutes
// (date_time.ts SetTimeZone).
func evalSetTimezone(c *callExpr, t time.Time, a []any) (any, error) {
	off := 8.0 // absent or not a number; a blank is Number(null) = 0
	if len(a) > 1 {
		if f := jsNumber(a[1]); !math.IsNaN(f) {
			off = f
		}
	}
	minutes := off
	if math.Abs(off) <= 16 {
		minutes = off * 60
	}
	if math.Abs(minutes) > 24*60 {
		return nil, evalErr(c.pos, "SET_TIMEZONE: offset %s is out of range", formatNumber(off))
	}
	secs := int(math.Round(minutes)) * 60
	return zonedDate{t: t.In(time.FixedZone("", secs))}, nil
}
