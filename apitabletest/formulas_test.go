package apitabletest

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

// A bad filterByFormula is answered as the real server answers it: code
// 400 with an empty message (room-server src/fusion/filter/
// fusion.api.filter.ts validateExpression passes the parser's error as an
// argument the tip template does not use). The fake logs the reason, and
// says so when the formula is valid on the server but calls a function the
// fake does not evaluate.
func TestFilterByFormulaErrorsAreLogged(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	s := NewServer(t, WithoutRateLimit(), WithLogger(slog.New(slog.NewTextHandler(&buf, nil))))
	ds := taskSheet(t, s)
	tests := []struct{ formula, log string }{
		{`{Count} >`, "formula syntax error at position 9: unexpected end of formula"},
		{`{Nope} = 1`, "unknown field {Nope}"},
		{`NOPE(1)`, "unknown function NOPE"},
		{`DATETIME_FORMAT(set_locale({Due}, "fr"), "MMMM") = "janvier"`, "formula function SET_LOCALE is valid on the server but not evaluated by apitabletest"},
	}
	for _, tc := range tests {
		buf.Reset()
		q := url.Values{"filterByFormula": {tc.formula}}.Encode()
		wantErr(t, call(t, s, "GET", recordsPath(ds)+"?"+q, nil), 200, 400, "")
		if !strings.Contains(buf.String(), tc.log) {
			t.Errorf("%s: log %q lacks %q", tc.formula, buf.String(), tc.log)
		}
	}
	// A row the formula fails on is left out, and the failure logged.
	buf.Reset()
	q := url.Values{"filterByFormula": {`VALUE({Title}) > 0`}}.Encode()
	r := call(t, s, "GET", recordsPath(ds)+"?"+q, nil)
	wantOK(t, r, 200)
	if n := len(r.records()); n != 0 {
		t.Errorf("VALUE of text matched %d rows", n)
	}
	if !strings.Contains(buf.String(), "excluded record") {
		t.Errorf("log %q lacks the evaluation failure", buf.String())
	}
}

// Date filters follow the server (functions/date_time.ts; interpreter.ts
// for comparisons) with WithClock's clock. {Due} of "three" is 2021-01-01.
func TestFilterByFormulaDates(t *testing.T) {
	t.Parallel()
	clock := func() time.Time { return time.Date(2021, 1, 2, 15, 0, 0, 0, time.UTC) }
	s := NewServer(t, WithoutRateLimit(), WithClock(clock))
	ds := taskSheet(t, s)
	tests := []struct {
		formula string
		want    []string
	}{
		{`IS_AFTER({Due}, "2020-12-31")`, []string{"three"}},
		{`IS_BEFORE({Due}, TODAY())`, []string{"three"}},
		{`IS_SAME({Due}, "2021-01-01", "day")`, nil}, // "day" is not a unit: an error on every row
		{`IS_SAME({Due}, "2021-01-01", "days")`, []string{"three"}},
		{`DATETIME_DIFF(TODAY(), {Due}, "days") = 1`, []string{"three"}},
		{`YEAR({Due}) = 2021`, []string{"three"}},
		{`{Due} > "2020-12-31"`, nil},                        // a number against NaN, as on the server
		{`{Due} < TODAY()`, []string{"one", "two", "three"}}, // blank is 0 for <, as in JavaScript
		{`AND({Due}, {Due} < TODAY())`, []string{"three"}},
		{`RECORD_ID() = "` + ds.RecordIDs[1] + `"`, []string{"two"}},
		{`IS_AFTER(CREATED_TIME(), "2000-01-01")`, []string{"one", "two", "three"}},
		{`DATETIME_FORMAT({Due}, "ddd D MMM") = "Fri 1 Jan"`, []string{"three"}},
		{`WORKDAY_DIFF({Due}, TODAY()) = 1`, []string{"three"}}, // Friday to Saturday
		{`WEEKNUM({Due}) = 1`, []string{"three"}},
		{`COUNTIF({Tags}, "b") = 1`, []string{"three"}},
		{`HOUR(SET_TIMEZONE({Due}, -2)) = 22`, []string{"three"}},
		{`{Count} > 1 && !{Done}`, []string{"three"}},
		{`{Due} = BLANK()`, []string{"one", "two"}},
		{`{Tags} = ""`, nil}, // an empty cell is null, and null == "" is false (interpreter.ts)
		{`{Tags} != ""`, []string{"one", "two", "three"}},
		{`NOT({Tags})`, []string{"two"}},
		{`{Count} % 2 = 0 || {Title} = "one"`, []string{"one", "two"}},
		{`IS_SAME({Due}, DATETIME_PARSE("01.01.2021", "DD.MM.YYYY"), "d")`, []string{"three"}},
	}
	for _, tc := range tests {
		q := url.Values{"filterByFormula": {tc.formula}}.Encode()
		r := call(t, s, "GET", recordsPath(ds)+"?"+q, nil)
		wantOK(t, r, 200)
		if got := titles(r, "Title"); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: got %q, want %q", tc.formula, got, tc.want)
		}
	}
}

// logTB is a testing.TB that keeps what the server logs with Logf.
type logTB struct {
	testing.TB
	mu   sync.Mutex
	logs []string
}

func (l *logTB) Logf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.logs = append(l.logs, fmt.Sprintf(format, args...))
}

// Without WithLogger, NewServer's notices go to the test log (t.Logf).
func TestFormulaReasonInTestLog(t *testing.T) {
	t.Parallel()
	tb := &logTB{TB: t}
	s := NewServer(tb, WithoutRateLimit())
	ds := taskSheet(t, s)
	q := url.Values{"filterByFormula": {`SET_LOCALE({Due}, "fr") != ""`}}.Encode()
	wantErr(t, call(t, s, "GET", recordsPath(ds)+"?"+q, nil), 200, 400, "")
	tb.mu.Lock()
	defer tb.mu.Unlock()
	want := "apitabletest: filterByFormula \"SET_LOCALE({Due}, \\\"fr\\\") != \\\"\\\"\": formula function SET_LOCALE is valid on the server but not evaluated by apitabletest"
	if len(tb.logs) != 1 || !strings.HasPrefix(tb.logs[0], want) {
		t.Errorf("test log %q, want one line starting %q", tb.logs, want)
	}
}
