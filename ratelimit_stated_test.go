package apitable

import "testing"

func TestStatedRate(t *testing.T) {
	t.Parallel()
	for msg, want := range map[string]float64{
		"The API request rate for the current space is 5 queries per second (QPS). Upgrading the space allows for a higher call frequency. Contact us: sales@aitable.ai.": 5,
		"The API request rate for the current space is 2.5 queries per second (QPS).":                                                                                     2.5,
		"Too Many Requests":       0,
		"is 0 queries per second": 0,
		"":                        0,
	} {
		if got := statedRate(msg); got != want {
			t.Errorf("statedRate(%q) = %v, want %v", msg, got, want)
		}
	}
}
