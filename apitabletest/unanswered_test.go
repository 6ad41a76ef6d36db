package apitabletest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// The requests below are lone DTO validation failures, which the real
// server never answers: ValidationPipe's BadRequestException carries a
// one-element array of a tip id, the global exception filter
// (packages/room-server/src/shared/filters/global.exception.filter.ts)
// passes that array to i18n.translate, which throws inside the async
// filter, so no response is written (docs/server-behaviour.md §4.1 case 1;
// the DTOs are packages/room-server/src/fusion/ros/record.query.ro.ts and
// record.create.ro.ts).
func unansweredRequests(ds *Datasheet) []struct{ method, path, body string } {
	return []struct{ method, path, body string }{
		{"GET", recordsPath(ds) + "?pageSize=0", ""},
		{"GET", recordsPath(ds) + "?pageSize=1001", ""},
		{"GET", recordsPath(ds) + "?cellFormat=html", ""},
		{"GET", recordsPath(ds) + "?fieldKey=title", ""},
		{"POST", recordsPath(ds), `{"records":[]}`},
	}
}

// TestUnansweredDefaultAnswersAndLogs: by default the fake answers those
// requests HTTP 200, code 400, and logs that the real server would not.
func TestUnansweredDefaultAnswersAndLogs(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	s := NewServer(t, WithoutRateLimit(), WithLogger(slog.New(slog.NewTextHandler(&buf, nil))))
	ds := taskSheet(t, s)
	for _, rq := range unansweredRequests(ds) {
		buf.Reset()
		var body any
		if rq.body != "" {
			body = rq.body
		}
		r := call(t, s, rq.method, rq.path, body)
		if r.status != 200 || r.code() != 400 {
			t.Errorf("%s %s: HTTP %d code %d, want the tidy 200/400", rq.method, rq.path, r.status, r.code())
		}
		if !strings.Contains(buf.String(), "the real server would not answer "+rq.method+" ") {
			t.Errorf("%s %s: log %q lacks the notice", rq.method, rq.path, buf.String())
		}
	}
	buf.Reset()
	wantOK(t, call(t, s, "GET", recordsPath(ds)+"?pageSize=10", nil), 200)
	if buf.Len() != 0 {
		t.Errorf("a good request logged %q", buf.String())
	}
}

// TestServerHangsLikeTheRealServer: with WithServerHangs the request is
// never answered; the client's deadline ends it, and Close drops a request
// still held.
func TestServerHangsLikeTheRealServer(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		s := New(WithoutRateLimit(), WithServerHangs())
		defer s.Close()
		ds := s.AddDatasheet(s.SpaceID(), DatasheetSpec{Name: "T", Fields: []FieldSpec{{Name: "Title", Type: "SingleText"}}})
		for _, rq := range unansweredRequests(ds) {
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			start := time.Now()
			_, err := send(ctx, s, rq.method, rq.path, rq.body)
			cancel()
			if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) != 30*time.Second {
				t.Errorf("%s %s: err %v after %v, want the client's deadline after 30s", rq.method, rq.path, err, time.Since(start))
			}
		}
		// A good request is still answered at once.
		if code, err := send(t.Context(), s, "GET", recordsPath(ds)+"?pageSize=1", ""); err != nil || code != 200 {
			t.Fatalf("good request: %d %v", code, err)
		}
		done := make(chan error, 1)
		go func() {
			_, err := send(context.Background(), s, "GET", recordsPath(ds)+"?pageSize=0", "")
			done <- err
		}()
		synctest.Wait()
		s.Close()
		if err := <-done; !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("held request after Close: %v, want a dropped connection", err)
		}
		for _, rq := range s.Requests() {
			if rq.Query.Get("pageSize") == "0" && rq.Status != 0 {
				t.Errorf("held request logged with status %d, want 0", rq.Status)
			}
		}
	})
}

// send makes one request over the in-memory transport and returns the
// HTTP status.
func send(ctx context.Context, s *Server, method, path, body string) (int, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://fake"+path, rd)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+s.Token())
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := s.Transport().RoundTrip(req)
	if err != nil {
		return 0, err
	}
	_ = resp.Body.Close()
	return resp.StatusCode, nil
}
