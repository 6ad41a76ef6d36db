package formula

import (
	"testing"
	"time"
)

// Expected values from functions/date_time.ts (dayjs, here in UTC) and
// functions/record.ts of the server (packages/core/src/formula_parser;
// github.com/apitable/apitable). {Date} is 1700000000000 =
// 2023-11-14T22:13:20Z (a Tuesday); the clock is fixedNow.
func TestDateFunctions(t *testing.T) {
	t.Parallel()
	runFnCases(t, []fnCase{
		{"TODAY()", ms2024(1, 20, 0, 0)},
		{"NOW()", float64(fixedNow.UnixMilli())},
		{"YEAR({Date})", 2023.0},
		{"MONTH({Date})", 11.0},
		{"DAY({Date})", 14.0},
		{"HOUR({Date})", 22.0},
		{"MINUTE({Date})", 13.0},
		{"SECOND({Date})", 20.0},
		{`YEAR("2021-03-04")`, 2021.0},
		{`MONTH("2021/03/04 10:00")`, 3.0},
		{`HOUR("2021-03-04T10:20:30+02:00")`, 8.0}, // read in UTC
		{"YEAR({Empty})", nil},
		{`YEAR("not a date")`, errWant},
		{"WEEKDAY({Date})", 2.0},
		{`WEEKDAY({Date}, "Monday")`, 1.0},
		{`WEEKDAY("2024-01-21", "monday")`, 6.0},
		{"DATESTR({Date})", "2023-11-14"},
		{"TIMESTR({Date})", "22:13:20"},
		{`IS_AFTER({Date}, "2023-01-01")`, true},
		{`IS_BEFORE({Date}, "2023-01-01")`, false},
		{`IS_AFTER({Date}, {Empty})`, nil},
		{`IS_AFTER(TODAY(), "2024-01-19")`, true},
		{`IS_SAME({Date}, "2023-11-14", "day")`, errWant}, // "day" is not a unit; "days" or "d" are
		{`IS_SAME({Date}, "2023-11-14", "days")`, true},
		{`IS_SAME({Date}, "2023-11-12", "w")`, true}, // weeks start on Sunday
		{`IS_SAME({Date}, "2023-11-11", "weeks")`, false},
		{`IS_SAME({Date}, "2023-01-01", "years")`, true},
		{`IS_SAME({Date}, {Date})`, true},
		{`DATEADD("2024-01-31", 1, "months")`, ms2024(2, 29, 0, 0)}, // clamped to the month's end
		{`DATEADD("2024-01-20", -2, "d")`, ms2024(1, 18, 0, 0)},
		{`DATEADD("2024-01-20", 1.5, "hours")`, ms2024(1, 20, 1, 30)},
		{`DATEADD("2024-01-20", 1, "quarters")`, ms2024(4, 20, 0, 0)},
		{`DATEADD("2024-01-20", 1, "fortnights")`, errWant},
		{`DATETIME_DIFF("2024-01-20", "2024-01-10")`, 10.0},
		{`DATETIME_DIFF("2024-01-10", "2024-01-20", "days")`, -10.0},
		{`DATETIME_DIFF("2024-01-20 12:00", "2024-01-20", "hours")`, 12.0},
		{`DATETIME_DIFF("2024-03-15", "2024-01-15", "months")`, 2.0},
		{`DATETIME_DIFF("2024-02-15", "2024-01-01", "M")`, 1.4516129032258065},
		{`DATETIME_DIFF("2025-01-20", "2024-01-20", "years")`, 1.0},
		{`DATETIME_DIFF({Empty}, "2024-01-20")`, nil},
		{`TONOW("2024-01-10", "days")`, 10.0},
		{`FROMNOW("2024-01-25 12:00", "d")`, 5.0},
		// DATETIME_FORMAT: dayjs tokens, "en" locale (UTC here)
		{"DATETIME_FORMAT({Date})", "2023-11-14 22:13"},
		{`DATETIME_FORMAT({Date}, "dddd, MMMM D YYYY [at] h:mm a")`, "Tuesday, November 14 2023 at 10:13 pm"},
		{`DATETIME_FORMAT({Date}, "LL")`, "November 14, 2023"},
		{`DATETIME_FORMAT({Date}, "YY/M/D ddd SSS Z")`, "23/11/14 Tue 000 +00:00"},
		{`DATETIME_FORMAT({Empty}, "LL")`, nil},
		// WORKDAY_DIFF / WORKDAY (2024-01-15 is a Monday)
		{`WORKDAY_DIFF("2024-01-15", "2024-01-19")`, 5.0},
		{`WORKDAY_DIFF("2024-01-15", "2024-01-22")`, 6.0},
		{`WORKDAY_DIFF("2024-01-19", "2024-01-15")`, -5.0},
		{`WORKDAY_DIFF("2024-01-20", "2024-01-21")`, 0.0},
		{`WORKDAY_DIFF("2024-01-15", "2024-01-19", "2024-01-17")`, 4.0},
		{`WORKDAY_DIFF("2024-01-15", "2024-01-19", "2024-01-19")`, 5.0}, // the server does not subtract a holiday on the end day
		{`WORKDAY("2024-01-15", 5)`, ms2024(1, 22, 0, 0)},
		{`WORKDAY("2024-01-19", 1)`, ms2024(1, 22, 0, 0)},
		{`WORKDAY("2024-01-20", 1)`, ms2024(1, 22, 0, 0)},
		{`WORKDAY("2024-01-22", -1)`, ms2024(1, 19, 0, 0)},
		{`WORKDAY("2024-01-15", 2, "2024-01-16")`, ms2024(1, 18, 0, 0)},
		{`WORKDAY("2024-01-20", 0)`, ms2024(1, 19, 0, 0)},
		{`WORKDAY("2024-01-15 10:30", 1)`, ms2024(1, 16, 10, 30)},
		// WEEKNUM: dayjs week() in the "en" locale
		{`WEEKNUM("2024-01-20")`, 3.0},
		{`WEEKNUM("2024-01-20", "Monday")`, 3.0},
		{`WEEKNUM("2024-01-21")`, 4.0},
		{`WEEKNUM("2024-01-21", "monday")`, 3.0},
		{`WEEKNUM("2023-01-01")`, 1.0},
		{`WEEKNUM("2023-01-01", "Monday")`, 1.0},
		{`WEEKNUM("2022-12-31")`, 53.0},
		{`WEEKNUM("2024-01-20", "Tuesday")`, errWant},
		// DATETIME_PARSE: dayjs customParseFormat tokens, read in UTC
		{`DATETIME_PARSE("2024-01-20")`, ms2024(1, 20, 0, 0)},
		{`DATETIME_PARSE("20/01/2024 14:05", "DD/MM/YYYY HH:mm")`, ms2024(1, 20, 14, 5)},
		{`DATETIME_PARSE("jan 20 2024")`, ms2024(1, 20, 0, 0)},
		{`DATETIME_PARSE("3:04 pm on 20 January 2024", "h:mm a [on] D MMMM YYYY")`, ms2024(1, 20, 15, 4)},
		{`DATETIME_PARSE({Date})`, 1700000000000.0},
		{`DATETIME_PARSE({Empty}, "YYYY")`, nil},
		{`DATETIME_PARSE("soon")`, errWant},
		{`DATETIME_PARSE("2024", "DD/MM")`, errWant},
		// SET_TIMEZONE: a dayjs object with a UTC offset (hours when ≤ 16)
		{"HOUR(SET_TIMEZONE({Date}, 8))", 6.0},
		{"DAY(SET_TIMEZONE({Date}))", 15.0}, // the default offset is +8
		{"DAY(SET_TIMEZONE({Date}, {Empty}))", 14.0},
		{`DATETIME_FORMAT(SET_TIMEZONE({Date}, 8), "YYYY-MM-DD HH:mm Z")`, "2023-11-15 06:13 +08:00"},
		{`DATETIME_FORMAT(SET_TIMEZONE({Date}, -330), "HH:mm ZZ")`, "16:43 -0530"},
		{"SET_TIMEZONE({Date}, 8) = {Date}", true},
		{`SET_TIMEZONE({Date}, 8) & ""`, "Tue, 14 Nov 2023 22:13:20 GMT"},
		{"SET_TIMEZONE({Date}, 2)", 1700000000000.0},
		{"ARRAYFLATTEN(SET_TIMEZONE({Date}, 2))", []any{1700000000000.0}},
		{`IS_SAME(SET_TIMEZONE({Date}, 8), "2023-11-15", "d")`, true},
		{`IS_SAME({Date}, "2023-11-15", "d")`, false},
		{"CREATED_TIME()", 1700000000000.0},
		{"LAST_MODIFIED_TIME()", 1700000500000.0},
		{"LAST_MODIFIED_TIME({Name}, {Age})", 1700000200000.0},
		{"LAST_MODIFIED_TIME({Empty})", nil},
		{"RECORD_ID()", "recABC"},
		// A DateTime cell compared with date text: the server compares a
		// number with NaN (interpreter.ts), so nothing matches.
		{`{Date} > "2023-01-01"`, false},
		{`{Date} >= TODAY()`, false},
		{`{Date} < TODAY()`, true},
	})
}

func TestTodayWithoutClock(t *testing.T) {
	t.Parallel()
	for _, src := range []string{"TODAY()", "NOW()", `TONOW("2024-01-01", "d")`} {
		e, err := Parse(src)
		require.NoError(t, err)
		_, err = Eval(e, row(testRow))
		var ee *EvalError
		require.True(t, asEvalError(err, &ee), "%s: want *EvalError, got %v", src, err)
		assert.Contains(t, ee.Msg, "no clock")
	}
}

func TestTodayFollowsTheClock(t *testing.T) {
	t.Parallel()
	e, err := Parse("TODAY()")
	require.NoError(t, err)
	day := time.Date(2030, 6, 1, 23, 59, 0, 0, time.UTC)
	got, err := EvalContext(e, nil, Context{Now: func() time.Time { return day }})
	require.NoError(t, err)
	assert.Equal(t, float64(time.Date(2030, 6, 1, 0, 0, 0, 0, time.UTC).UnixMilli()), got)
}
