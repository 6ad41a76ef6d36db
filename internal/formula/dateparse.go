package formula

import (
	"regexp"
	"strings"
	"time"
)

// DATETIME_PARSE(text, [format]) follows date_time.ts DateTimeParse: with
// a format, dayjs's customParseFormat reads text with dayjs tokens; without
// one, dayjs reads ISO-like text or falls back to JavaScript's Date. Here a
// format is translated to a Go layout (YYYY YY M MM MMM MMMM D DD H HH h hh
// m mm s ss SSS A a Z ZZ and [literal text]) and read in UTC; without a
// format the text is read like any date argument (see parseDate), plus the
// English forms "Jan 2 2006", "January 2, 2006" and RFC 1123.

var parseTokens = regexp.MustCompile(`\[([^\]]*)]|YYYY|YY|MMMM|MMM|MM|M|DD|D|HH|H|hh|h|mm|m|ss|s|SSS|A|a|ZZ|Z`)

var parseLayout = map[string]string{
	"YYYY": "2006", "YY": "06", "MMMM": "January", "MMM": "Jan", "MM": "01", "M": "1",
	"DD": "02", "D": "2", "HH": "15", "H": "15", "hh": "03", "h": "3", "mm": "04", "m": "4",
	"ss": "05", "s": "5", "SSS": "000", "A": "PM", "a": "pm", "ZZ": "-0700", "Z": "-07:00",
}

// englishLayouts are texts JavaScript's Date reads that parseDate does not.
var englishLayouts = []string{"Jan 2 2006", "Jan 2, 2006", "January 2 2006", "January 2, 2006", time.RFC1123, time.RFC1123Z}

func evalDatetimeParse(c *callExpr, a []any) (any, error) {
	if isBlank(a[0]) {
		return nil, nil
	}
	if f, ok := a[0].(float64); ok {
		return c.finite(f) // a timestamp is taken as is
	}
	s, err := c.text(a, 0)
	if err != nil {
		return nil, err
	}
	s = capitalizeNames(s)
	if len(a) > 1 {
		format, _ := toText(a[1])
		layout := parseTokens.ReplaceAllStringFunc(format, func(m string) string {
			if strings.HasPrefix(m, "[") {
				return m[1 : len(m)-1]
			}
			return parseLayout[m]
		})
		t, err := time.ParseInLocation(layout, s, time.UTC)
		if err != nil {
			return nil, evalErr(c.pos, "DATETIME_PARSE: %s does not match the format %s", Quote(s), Quote(format))
		}
		return ms(t), nil
	}
	if t, ok := toDate(s); ok {
		return ms(t), nil
	}
	for _, l := range englishLayouts {
		if t, err := time.ParseInLocation(l, strings.TrimSpace(s), time.UTC); err == nil {
			return ms(t.UTC()), nil
		}
	}
	return nil, evalErr(c.pos, "DATETIME_PARSE: %s is not a date", Quote(s))
}

var lowerNames = regexp.MustCompile(`mon|tue|wed|thu|fri|sat|sun|jan|feb|mar|apr|may |jun|jul|aug|sep|oct|nov|dec`)

// capitalizeNames is date_time.ts formatDateTimeStr: lower-case day and
// month abbreviations get a capital first letter.
func capitalizeNames(s string) string {
	return lowerNames.ReplaceAllStringFunc(s, func(m string) string { return strings.ToUpper(m[:1]) + m[1:] })
}
