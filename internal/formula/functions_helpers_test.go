package formula

import (
	"errors"
	"math"
	"testing"
	"time"
)

// fixedNow is the clock of the function tests: Saturday 2024-01-20 09:30:15.250 UTC.
var fixedNow = time.Date(2024, 1, 20, 9, 30, 15, 250_000_000, time.UTC)

// testCtx is the Context of the function tests.
var testCtx = Context{
	Now:       func() time.Time { return fixedNow },
	RecordID:  "recABC",
	CreatedAt: 1700000000000,
	UpdatedAt: 1700000500000,
	FieldUpdatedAt: func(f string) (int64, bool) {
		switch f {
		case "Name":
			return 1700000100000, true
		case "Age":
			return 1700000200000, true
		}
		return 0, false
	},
}

type fnCase struct {
	src  string
	want any
}

// runFnCases evaluates every case against testRow and testCtx; a want of
// errWant expects an *EvalError.
func runFnCases(t *testing.T, cases []fnCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.src, func(t *testing.T) {
			t.Parallel()
			e, err := Parse(tt.src)
			require.NoError(t, err)
			got, err := EvalContext(e, row(testRow), testCtx)
			if tt.want == errWant {
				var ee *EvalError
				assert.True(t, err != nil && asEvalError(err, &ee), "want an *EvalError, got %v, %v", got, err)
				return
			}
			require.NoError(t, err)
			if w, ok := tt.want.(float64); ok {
				if g, ok := got.(float64); ok && math.Abs(g-w) <= 1e-9*math.Max(1, math.Abs(w)) {
					return
				}
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

type errMarker struct{}

var errWant = errMarker{}

func asEvalError(err error, target **EvalError) bool { return errors.As(err, target) }

func ms2024(month time.Month, day, h, m int) float64 {
	return float64(time.Date(2024, month, day, h, m, 0, 0, time.UTC).UnixMilli())
}
