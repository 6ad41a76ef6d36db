package apitable

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
)

// Every getter's error names the field, for an empty cell (absent or null)
// and for a value of another kind, and keeps matching ErrCellEmpty or
// *CellTypeError.
func TestGetterErrorsNameTheField(t *testing.T) {
	t.Parallel()
	getters := map[string]func(Fields, string) error{
		"Text":        func(f Fields, k string) error { _, err := f.Text(k); return err },
		"Number":      func(f Fields, k string) error { _, err := f.Number(k); return err },
		"Int":         func(f Fields, k string) error { _, err := f.Int(k); return err },
		"Time":        func(f Fields, k string) error { _, err := f.Time(k); return err },
		"Strings":     func(f Fields, k string) error { _, err := f.Strings(k); return err },
		"Attachments": func(f Fields, k string) error { _, err := f.Attachments(k); return err },
		"Members":     func(f Fields, k string) error { _, err := f.Members(k); return err },
		"WorkDocs":    func(f Fields, k string) error { _, err := f.WorkDocs(k); return err },
		"URL":         func(f Fields, k string) error { _, err := f.URL(k); return err },
		"User":        func(f Fields, k string) error { _, err := f.User(k); return err },
		"Values":      func(f Fields, k string) error { _, err := f.Values(k); return err },
	}
	f := Fields{"Nothing": nil, "Flag": true, "Word": "x"}
	for name, get := range getters {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			err := get(f, "Titel")
			if !errors.Is(err, ErrCellEmpty) {
				t.Fatalf("absent: err = %v, want ErrCellEmpty", err)
			}
			var ce *CellEmptyError
			if !errors.As(err, &ce) || ce.Field != "Titel" || !ce.Absent {
				t.Fatalf("absent: err = %#v, want *CellEmptyError{Titel, Absent}", err)
			}
			want := `apitable: field "Titel": cell is empty (not in the record: an empty cell, or no such field)`
			if err.Error() != want {
				t.Errorf("absent: message %q, want %q", err, want)
			}
			err = get(f, "Nothing")
			if !errors.As(err, &ce) || ce.Field != "Nothing" || ce.Absent {
				t.Fatalf("null: err = %v, want *CellEmptyError{Nothing}", err)
			}
			if want := `apitable: field "Nothing": cell is empty`; err.Error() != want {
				t.Errorf("null: message %q, want %q", err, want)
			}
			if errors.Is(err, ErrInvalidRequest) {
				t.Error("empty cell matches ErrInvalidRequest")
			}
			if name == "Values" {
				return // Values reads any kind
			}
			key := "Flag"
			if name == "URL" {
				key = "Flag" // a boolean is neither string nor object
			}
			err = get(f, key)
			var cte *CellTypeError
			if !errors.As(err, &cte) || !strings.HasPrefix(cte.Field, key) {
				t.Fatalf("type: err = %v, want *CellTypeError naming %s", err, key)
			}
			if !strings.Contains(err.Error(), `field "`+key) {
				t.Errorf("type: message %q does not name the field", err)
			}
		})
	}
	// Bool reads an empty cell as false; a value of another kind names the field.
	_, err := f.Bool("Word")
	var cte *CellTypeError
	if !errors.As(err, &cte) || cte.Field != "Word" {
		t.Errorf("Bool: err = %v, want *CellTypeError naming Word", err)
	}
}

func TestFormulaFieldRefs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		src  string
		want []string
		ok   bool
	}{
		{``, nil, true},
		{`{Title} = "x"`, []string{"Title"}, true},
		{`AND({A}, {B b}>1)`, []string{"A", "B b"}, true},
		{`{Title} = "{Titel}"`, []string{"Title"}, true},
		{`'{no' & {Yes}`, []string{"Yes"}, true},
		{`"a \" {still string}" & {F}`, []string{"F"}, true},
		{`'it\'s {x}' = {G}`, []string{"G"}, true},
		{`{a\}b} & {c\\d}`, []string{"a}b", `c\d`}, true},
		{`{x{y}`, []string{"x{y"}, true},
		{`{"quoted"}`, []string{`"quoted"`}, true},
		{`{}`, []string{""}, true},
		{`{Title`, nil, false},
		{`"open {Title}`, nil, false},
		{`{a\nb}`, nil, false},
	}
	for _, tt := range tests {
		got, ok := formulaFieldRefs(tt.src)
		if ok != tt.ok || !cmp.Equal(got, tt.want) {
			t.Errorf("formulaFieldRefs(%q) = %q, %v; want %q, %v", tt.src, got, ok, tt.want, tt.ok)
		}
	}
}

func TestSchemaCheckSuggests(t *testing.T) {
	t.Parallel()
	s := newSchema("dst1", []Field{{ID: "fldA", Name: "Title"}, {ID: "fldB", Name: "Due date"}, {ID: "fldC", Name: "Status"}}, fixedTime)
	tests := []struct {
		fk   FieldKey
		key  string
		want string // "" for nil
	}{
		{"", "Title", ""},
		{FieldKeyID, "fldB", ""},
		{"", "Titel", `apitable: invalid request: unknown field "Titel" in datasheet dst1 (did you mean "Title"?)`},
		{"", "title", `apitable: invalid request: unknown field "title" in datasheet dst1 (did you mean "Title"?)`},
		{"", "Due Dat", `apitable: invalid request: unknown field "Due Dat" in datasheet dst1 (did you mean "Due date"?)`},
		{"", "Owner", `apitable: invalid request: unknown field "Owner" in datasheet dst1`},
		{"", "fldA", `apitable: invalid request: unknown field "fldA" in datasheet dst1`},
		{FieldKeyID, "fldD", `apitable: invalid request: unknown field id "fldD" in datasheet dst1 (did you mean "fldA"?)`},
	}
	for _, tt := range tests {
		err := s.Check(tt.fk, tt.key)
		if tt.want == "" {
			if err != nil {
				t.Errorf("Check(%q, %q) = %v", tt.fk, tt.key, err)
			}
			continue
		}
		if err == nil || err.Error() != tt.want {
			t.Errorf("Check(%q, %q) = %v, want %s", tt.fk, tt.key, err, tt.want)
			continue
		}
		var ve *ValidationError
		if !errors.As(err, &ve) || !errors.Is(err, ErrFieldNotFound) || !errors.Is(err, ErrInvalidRequest) {
			t.Errorf("Check(%q, %q): %v is not a *ValidationError matching ErrFieldNotFound and ErrInvalidRequest", tt.fk, tt.key, err)
		}
	}
	if !s.Has("fldC") || !s.Has("Status") || s.Has("status") {
		t.Error("Has: name and id match exactly")
	}
	if f, ok := s.Field("Due date"); !ok || f.ID != "fldB" {
		t.Errorf("Field(Due date) = %v, %v", f, ok)
	}
}

var fixedTime = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func TestEditDistance(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		a, b string
		d    int
	}{{"", "", 0}, {"abc", "", 3}, {"titel", "title", 1}, {"ab", "ba", 1}, {"ca", "abc", 3}, {"kitten", "sitting", 3}, {"日付", "日时", 1}} {
		if got := editDistance(tt.a, tt.b); got != tt.d {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.d)
		}
	}
}

// Concurrent callers on a cold cache share one fetch; a fetch that failed
// because its caller's context ended is retried by a waiter with a live
// context; other failures are shared and not cached.
func TestSchemaCacheSingleFetch(t *testing.T) {
	t.Parallel()
	c := newSchemaCache(time.Minute)
	release := make(chan struct{})
	var calls atomic.Int32
	fetch := func(context.Context) (*Schema, error) {
		calls.Add(1)
		<-release
		return newSchema("dst1", nil, time.Now()), nil
	}
	var wg sync.WaitGroup
	got := make([]*Schema, 16)
	for i := range got {
		wg.Go(func() {
			s, err := c.get(context.Background(), "dst1", time.Time{}, fetch)
			if err != nil {
				t.Error(err)
			}
			got[i] = s
		})
	}
	for calls.Load() == 0 {
		runtime.Gosched()
	}
	close(release)
	wg.Wait()
	if n := calls.Load(); n != 1 {
		t.Fatalf("%d fetches, want 1", n)
	}
	for _, s := range got {
		if s != got[0] {
			t.Fatal("callers got different schemas")
		}
	}

	// The leader's context ends while a waiter waits (synctest.Wait makes
	// sure it does): the waiter fetches again with its own context.
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		go func() {
			_, err := c.get(ctx, "dst2", time.Time{}, func(ctx context.Context) (*Schema, error) {
				<-ctx.Done()
				return nil, ctx.Err()
			})
			done <- err
		}()
		synctest.Wait()
		waiter := make(chan error)
		var waiterFetched bool
		go func() {
			_, err := c.get(context.Background(), "dst2", time.Time{}, func(context.Context) (*Schema, error) {
				waiterFetched = true
				return newSchema("dst2", nil, time.Now()), nil
			})
			waiter <- err
		}()
		synctest.Wait()
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("leader: %v", err)
		}
		if err := <-waiter; err != nil || !waiterFetched {
			t.Errorf("waiter: err %v, fetched %v", err, waiterFetched)
		}
	})

	// Another failure is returned and not cached.
	boom := errors.New("boom")
	for range 2 {
		if _, err := c.get(context.Background(), "dst3", time.Time{}, func(context.Context) (*Schema, error) { return nil, boom }); !errors.Is(err, boom) {
			t.Errorf("err = %v, want boom", err)
		}
	}
}

func TestWithSchemaCheckRejectsNegativeAge(t *testing.T) {
	t.Parallel()
	if _, err := New("tok", WithSchemaCheck(-time.Second)); err == nil {
		t.Error("New accepted a negative schema max age")
	}
}
