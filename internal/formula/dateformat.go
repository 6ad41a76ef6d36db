package formula

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// DATETIME_FORMAT(date, [format = "YYYY-MM-DD HH:mm"]) is dayjs's format
// in the "en" locale with the localizedFormat plugin (date_time.ts
// DateTimeFormat, getDayjs), in UTC here.

var (
	localizedTokens = regexp.MustCompile(`(\[[^\]]+])|(LTS?|l{1,4}|L{1,4})`)
	formatTokens    = regexp.MustCompile(`\[([^\]]+)]|Y{1,4}|M{1,4}|D{1,2}|d{1,4}|H{1,2}|h{1,2}|a|A|m{1,2}|s{1,2}|Z{1,2}|SSS`)
)

// localizedFormats are dayjs's "en" long date formats.
func localizedFormat(tok string) string {
	switch tok {
	case "LTS":
		return "h:mm:ss A"
	case "LT":
		return "h:mm A"
	case "L":
		return "MM/DD/YYYY"
	case "LL":
		return "MMMM D, YYYY"
	case "LLL":
		return "MMMM D, YYYY h:mm A"
	case "LLLL":
		return "dddd, MMMM D, YYYY h:mm A"
	case "l":
		return "M/D/YYYY"
	case "ll":
		return "MMM D, YYYY"
	case "lll":
		return "MMM D, YYYY h:mm A"
	case "llll":
		return "ddd, MMM D, YYYY h:mm A"
	}
	return tok
}

func evalDatetimeFormat(_ *callExpr, t time.Time, a []any) (any, error) {
	layout := ""
	if len(a) > 1 {
		layout, _ = toText(a[1])
	}
	if layout == "" {
		layout = "YYYY-MM-DD HH:mm"
	}
	return dayjsFormat(t, layout), nil
}

// dayjsFormat formats t with a dayjs format string; text in [brackets] is
// copied, and a token dayjs does not know (Y, YYY) prints the zone, as
// dayjs does.
func dayjsFormat(t time.Time, layout string) string {
	layout = localizedTokens.ReplaceAllStringFunc(layout, func(m string) string {
		if strings.HasPrefix(m, "[") {
			return m
		}
		return localizedFormat(m)
	})
	return formatTokens.ReplaceAllStringFunc(layout, func(m string) string {
		if strings.HasPrefix(m, "[") {
			return m[1 : len(m)-1]
		}
		if s, ok := formatToken(t, m); ok {
			return s
		}
		return t.Format("-0700")
	})
}

func formatToken(t time.Time, tok string) (string, bool) {
	h12 := t.Hour() % 12
	if h12 == 0 {
		h12 = 12
	}
	switch tok {
	case "YY":
		return fmt.Sprintf("%04d", t.Year())[2:], true
	case "YYYY":
		return fmt.Sprintf("%04d", t.Year()), true
	case "M", "D", "d", "H", "h", "m", "s":
		n := map[string]int{"M": int(t.Month()), "D": t.Day(), "d": int(t.Weekday()), "H": t.Hour(), "h": h12, "m": t.Minute(), "s": t.Second()}[tok]
		return strconv.Itoa(n), true
	case "MM", "DD", "HH", "hh", "mm", "ss":
		n := map[string]int{"MM": int(t.Month()), "DD": t.Day(), "HH": t.Hour(), "hh": h12, "mm": t.Minute(), "ss": t.Second()}[tok]
		return fmt.Sprintf("%02d", n), true
	case "MMM":
		return t.Month().String()[:3], true
	case "MMMM":
		return t.Month().String(), true
	case "dd":
		return t.Weekday().String()[:2], true
	case "ddd":
		return t.Weekday().String()[:3], true
	case "dddd":
		return t.Weekday().String(), true
	case "a":
		return map[bool]string{true: "am", false: "pm"}[t.Hour() < 12], true
	case "A":
		return map[bool]string{true: "AM", false: "PM"}[t.Hour() < 12], true
	case "SSS":
		return fmt.Sprintf("%03d", t.Nanosecond()/1e6), true
	case "Z":
		return t.Format("-07:00"), true
	case "ZZ":
		return t.Format("-0700"), true
	}
	return "", false
}
