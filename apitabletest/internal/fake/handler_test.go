package fake

import "testing"

func TestLimitKey(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"/fusion/v1/datasheets/dstA/records?viewId=viwB":      "dstA",
		"/fusion/v1/spaces/spcA/datasheets/dstB/fields":       "dstB",
		"/fusion/v1/spaces/spcA/nodes":                        "spcA",
		"/fusion/v1/spaces":                                   "user",
		"/fusion/v1/nodes/dstQ":                               "dstQ",
		"/fusion/v1/datasheets/dstA/records?x=/dstZ":          "dstZ",
		"/fusion/v1/nodes/fodA":                               "user",
		"/fusion/v1/spaces/spcA/datasheets/dstB?viewId=viwBB": "dstB?viewId=viwBB",
	} {
		if got := limitKey(in); got != want {
			t.Errorf("limitKey(%q) = %q, want %q", in, got, want)
		}
	}
}
