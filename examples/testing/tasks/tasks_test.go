package tasks_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/apitable-go/apitable"
	"github.com/apitable-go/apitable/apitabletest"
	"github.com/apitable-go/apitable/examples/testing/tasks"
)

var now = time.Date(2025, 6, 15, 12, 0, 0, 0, time.UTC)

// setup starts a fake server for the test (closed by t.Cleanup) with a
// Tasks datasheet: two overdue open tasks, one overdue done task, one open
// task due later and one without a due date.
func setup(t *testing.T) (*apitabletest.Server, *apitabletest.Datasheet, *tasks.Service) {
	t.Helper()
	srv := apitabletest.NewServer(t, apitabletest.WithoutRateLimit())
	ds := srv.AddDatasheet(srv.SpaceID(), apitabletest.DatasheetSpec{
		Name: "Tasks",
		Fields: []apitabletest.FieldSpec{
			{Name: "Title", Type: "SingleText"},
			{Name: "Done", Type: "Checkbox", Property: map[string]any{"icon": "white_check_mark"}},
			{Name: "Due", Type: "DateTime", Property: map[string]any{"dateFormat": "YYYY-MM-DD"}},
		},
		Records: []map[string]any{
			{"Title": "late", "Due": now.Add(-48 * time.Hour).UnixMilli()},
			{"Title": "done already", "Done": true, "Due": now.Add(-48 * time.Hour).UnixMilli()},
			{"Title": "later", "Due": now.Add(48 * time.Hour).UnixMilli()},
			{"Title": "someday"},
			{"Title": "very late", "Due": now.Add(-30 * 24 * time.Hour).UnixMilli()},
		},
	})
	// srv.Client has short retry waits; no need for a client-side limit
	// when the fake's is off.
	svc := &tasks.Service{Client: srv.Client(apitable.WithRateLimit(1000)), DatasheetID: ds.ID, Now: func() time.Time { return now }}
	return srv, ds, svc
}

// done returns the titles of the tasks the server holds as done.
func done(srv *apitabletest.Server, ds *apitabletest.Datasheet) []string {
	var titles []string
	for _, rec := range srv.Records(ds.ID) {
		if ok, _ := rec.Fields.Bool("Done"); ok {
			title, _ := rec.Fields.Text("Title")
			titles = append(titles, title)
		}
	}
	return titles
}

func TestCloseOverdue(t *testing.T) {
	t.Parallel()
	srv, ds, svc := setup(t)

	closed, err := svc.CloseOverdue(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"late", "very late"}; !slices.Equal(closed, want) {
		t.Errorf("closed %q, want %q", closed, want)
	}
	if got, want := done(srv, ds), []string{"late", "done already", "very late"}; !slices.Equal(got, want) {
		t.Errorf("done on the server: %q, want %q", got, want)
	}

	// A second run has nothing to do and writes nothing.
	srv.ResetRequests()
	closed, err = svc.CloseOverdue(t.Context())
	if err != nil || len(closed) != 0 {
		t.Errorf("second run: %q, %v; want nothing", closed, err)
	}
	for _, r := range srv.Requests() {
		if r.Method != "GET" {
			t.Errorf("second run sent %s %s", r.Method, r.Path)
		}
	}
}

// The update's answer is lost after the server applied it: the client
// retries (an update by record id is safe to repeat) and the service
// succeeds, with each task closed once.
func TestCloseOverdueRetriesLostUpdate(t *testing.T) {
	t.Parallel()
	srv, ds, svc := setup(t)
	srv.InjectFault(apitabletest.Fault{Method: "PATCH", Drop: apitabletest.DropAfterHandling})

	closed, err := svc.CloseOverdue(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(closed) != 2 {
		t.Errorf("closed %q, want 2 tasks", closed)
	}
	if got := done(srv, ds); len(got) != 3 {
		t.Errorf("done on the server: %q, want 3 tasks", got)
	}
	patches := 0
	for _, r := range srv.Requests() {
		if r.Method == "PATCH" {
			patches++
		}
	}
	if patches != 2 {
		t.Errorf("%d PATCH requests, want 2 (one lost, one retry)", patches)
	}
}

// A server error on the listing is retried; a definite answer is not, and
// reaches the caller with its sentinel.
func TestCloseOverdueErrors(t *testing.T) {
	t.Parallel()
	t.Run("503 then success", func(t *testing.T) {
		t.Parallel()
		srv, _, svc := setup(t)
		srv.InjectFault(apitabletest.Fault{Method: "GET", Status: 503, Count: 2})
		if closed, err := svc.CloseOverdue(t.Context()); err != nil || len(closed) != 2 {
			t.Errorf("CloseOverdue = %q, %v; want 2 tasks", closed, err)
		}
	})
	t.Run("no permission", func(t *testing.T) {
		t.Parallel()
		srv, ds, svc := setup(t)
		srv.SetPermission(ds.ID, apitabletest.RoleNone)
		_, err := svc.CloseOverdue(t.Context())
		if !errors.Is(err, apitable.ErrNodePermission) {
			t.Errorf("err = %v, want ErrNodePermission", err)
		}
	})
	t.Run("read-only token changes nothing", func(t *testing.T) {
		t.Parallel()
		// The real server answers a reader's update with success and
		// changes nothing (server-behaviour.md §0.14 of the API notes); so does the fake.
		// Only reading back tells.
		srv, ds, svc := setup(t)
		srv.SetPermission(ds.ID, apitabletest.RoleReader)
		if _, err := svc.CloseOverdue(t.Context()); err != nil {
			t.Fatal(err)
		}
		if got := done(srv, ds); len(got) != 1 {
			t.Errorf("done on the server: %q, want only the task done before", got)
		}
	})
}

// The create's answer is lost after the server applied it: with KeyFields
// the client finds the task and does not create it twice.
func TestAddExactlyOnce(t *testing.T) {
	t.Parallel()
	srv, ds, svc := setup(t)
	srv.InjectFault(apitabletest.Fault{Method: "POST", Drop: apitabletest.DropAfterHandling})

	id, err := svc.Add(t.Context(), "new task", now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, rec := range srv.Records(ds.ID) {
		if title, _ := rec.Fields.Text("Title"); title == "new task" {
			n++
			if rec.ID != id {
				t.Errorf("Add returned %s, the server holds %s", id, rec.ID)
			}
		}
	}
	if n != 1 {
		t.Errorf("%d records titled %q, want 1", n, "new task")
	}
}
