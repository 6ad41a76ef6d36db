package apitabletest

import (
	"fmt"
	"net/http"
	"reflect"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"
)

func TestCloseLeavesNoGoroutines(t *testing.T) { //nolint:paralleltest // goleak.VerifyNone looks at every goroutine in the process
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	s := New()
	ds, err := s.SeedDatasheet(s.SpaceID(), DatasheetSpec{Name: "x", Fields: []FieldSpec{{Name: "T", Type: "SingleText"}}})
	if err != nil {
		t.Fatal(err)
	}
	hc := &http.Client{Transport: &http.Transport{}}
	req, _ := http.NewRequest("GET", s.URL()+recordsPath(ds), nil)
	req.Header.Set("Authorization", "Bearer "+s.Token())
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	hc.CloseIdleConnections()
	s.Close()
	s.Close()
}

func TestComputedFieldsTrackUpdates(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		s := NewServer(t, WithoutRateLimit())
		people := s.AddDatasheet(s.SpaceID(), DatasheetSpec{
			Name:    "People",
			Fields:  []FieldSpec{{Name: "Name", Type: "SingleText"}, {Name: "Age", Type: "Number"}},
			Records: []map[string]any{{"Name": "Ann", "Age": 30}, {"Name": "Ben", "Age": 40}},
		})
		ds := s.AddDatasheet(s.SpaceID(), DatasheetSpec{
			Name: "Teams",
			Fields: []FieldSpec{
				{Name: "Team", Type: "SingleText"},
				{Name: "Members", Type: "MagicLink", Property: map[string]any{"foreignDatasheetId": people.ID}},
				{Name: "Ages", Type: "MagicLookUp", Property: map[string]any{"relatedLinkFieldId": "Members", "targetFieldId": "Age"}},
				{Name: "Label", Type: "Formula", Property: map[string]any{"expression": `{Team} & "!"`}},
				{Name: "Edited", Type: "LastModifiedTime"},
				{Name: "No", Type: "AutoNumber"},
			},
			Records: []map[string]any{{"Team": "red", "Members": []string{people.RecordIDs[0], people.RecordIDs[1]}}},
		})
		rec := s.Records(ds.ID)[0]
		if !reflect.DeepEqual(rec.Fields["Ages"], []any{30.0, 40.0}) || rec.Fields["Label"] != "red!" || rec.Fields["No"] != 1.0 {
			t.Fatalf("computed: %v", rec.Fields)
		}
		if got := s.Records(people.ID)[0].Fields["Teams"]; !reflect.DeepEqual(got, []any{rec.ID}) {
			t.Fatalf("sibling: %v", got)
		}
		before := rec.Fields["Edited"].(float64)
		time.Sleep(time.Minute)
		r := call(t, s, "PATCH", recordsPath(ds), fmt.Sprintf(`{"records":[{"recordId":%q,"fields":{"Members":[%q],"Team":"blue"}}]}`, rec.ID, people.RecordIDs[1]))
		wantOK(t, r, 200)
		rec = s.Records(ds.ID)[0]
		if rec.Fields["Edited"].(float64) != before+60000 || rec.Fields["Label"] != "blue!" || !reflect.DeepEqual(rec.Fields["Ages"], []any{40.0}) {
			t.Fatalf("after update: %v", rec.Fields)
		}
		if _, has := s.Records(people.ID)[0].Fields["Teams"]; has {
			t.Fatalf("sibling not unlinked")
		}
		// Deleting a linked record drops it from the link.
		wantOK(t, call(t, s, "DELETE", recordsPath(people)+"?recordIds="+people.RecordIDs[1], nil), 200)
		if _, has := s.Records(ds.ID)[0].Fields["Members"]; has {
			t.Fatalf("deleted record still linked: %v", s.Records(ds.ID)[0].Fields)
		}
	})
}

func TestConcurrentWrites(t *testing.T) {
	t.Parallel()
	s := NewServer(t, WithoutRateLimit())
	ds := taskSheet(t, s)
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := call(t, s, "POST", recordsPath(ds), fmt.Sprintf(`{"records":[{"fields":{"Title":"c%d","Status":"New%d"}}]}`, i, i%3))
			if r.status != 201 {
				t.Errorf("status %d", r.status)
			}
			call(t, s, "GET", recordsPath(ds), nil)
		}()
	}
	wg.Wait()
	if n := len(s.Records(ds.ID)); n != 23 {
		t.Fatalf("records: %d", n)
	}
	if n := len(s.Requests()); n != 40 {
		t.Fatalf("log: %d", n)
	}
}
