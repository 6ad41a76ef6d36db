package apitable

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
)

const (
	// DefaultSchemaMaxAge is how long a datasheet's cached field list is
	// used before it is fetched again (see WithSchemaCheck).
	DefaultSchemaMaxAge = 5 * time.Minute
	// schemaMissRefresh: a name missing from a cached field list older than
	// this makes the check fetch the list again once before rejecting it,
	// so a field added by someone else is accepted without waiting for the
	// cache to expire, while a loop repeating a misspelt name costs at most
	// one extra request per datasheet every 10 seconds.
	schemaMissRefresh = 10 * time.Second
)

// Schema is the field list of one datasheet, as fetched by
// FieldsService.Schema. It is immutable and safe for concurrent use.
//
// Its purpose is to tell "no such field" from "empty cell": the server
// omits empty cells, so a getter of Fields cannot tell a misspelt key from
// an empty cell (both are a *CellEmptyError). Check the keys a program reads
// once against the schema (Schema.Check), and the getters' ErrCellEmpty then
// means an empty cell.
type Schema struct {
	datasheetID string
	fields      []Field
	byName      map[string]int
	byID        map[string]int
	fetched     time.Time
}

func newSchema(datasheetID string, fields []Field, fetched time.Time) *Schema {
	s := &Schema{datasheetID: datasheetID, fields: fields, fetched: fetched,
		byName: make(map[string]int, len(fields)), byID: make(map[string]int, len(fields))}
	for i, f := range fields {
		s.byName[f.Name] = i
		s.byID[f.ID] = i
	}
	return s
}

// DatasheetID returns the id of the datasheet the schema describes.
func (s *Schema) DatasheetID() string { return s.datasheetID }

// FetchedAt returns when the field list was received.
func (s *Schema) FetchedAt() time.Time { return s.fetched }

// Fields returns a copy of the field list, in the first view's column order.
func (s *Schema) Fields() []Field { return slices.Clone(s.fields) }

// Field returns the field named key, or else the field whose id is key.
func (s *Schema) Field(key string) (Field, bool) {
	if i, ok := s.byName[key]; ok {
		return s.fields[i], true
	}
	if i, ok := s.byID[key]; ok {
		return s.fields[i], true
	}
	return Field{}, false
}

// Has reports whether the datasheet has a field named key, or a field whose
// id is key.
func (s *Schema) Has(key string) bool {
	_, ok := s.Field(key)
	return ok
}

// Check reports the first of keys that is not a field of the datasheet: by
// name (FieldKeyName or "") or by id (FieldKeyID). The error is a
// *ValidationError that names the key and suggests the closest existing
// one, e.g. `unknown field "Titel" (did you mean "Title"?)`; it matches
// ErrFieldNotFound and ErrInvalidRequest.
func (s *Schema) Check(fk FieldKey, keys ...string) error {
	for _, k := range keys {
		if !s.known(fk, k) {
			return s.unknown("", fk, k)
		}
	}
	return nil
}

func (s *Schema) known(fk FieldKey, key string) bool {
	if fk == FieldKeyID {
		_, ok := s.byID[key]
		return ok
	}
	_, ok := s.byName[key]
	return ok
}

// unknown builds the error for a key the schema lacks; where names the
// parameter (e.g. "Fields[2]").
func (s *Schema) unknown(where string, fk FieldKey, key string) error {
	what, cands := "field", s.byName
	if fk == FieldKeyID {
		what, cands = "field id", s.byID
	}
	reason := fmt.Sprintf("unknown %s %q in datasheet %s", what, key, s.datasheetID)
	if best, ok := closest(key, cands); ok {
		reason += fmt.Sprintf(" (did you mean %q?)", best)
	}
	return &fieldNotFoundError{ve: &ValidationError{Field: where, Reason: reason}}
}

// fieldNotFoundError is a *ValidationError that also matches
// ErrFieldNotFound.
type fieldNotFoundError struct{ ve *ValidationError }

func (e *fieldNotFoundError) Error() string   { return e.ve.Error() }
func (e *fieldNotFoundError) Unwrap() []error { return []error{e.ve, ErrFieldNotFound} }

// closest returns the candidate nearest to key by edit distance (ignoring
// case), if it is near enough to be a likely slip: at most a third of the
// key's length, and at least 1 (0 when only the case differs).
func closest(key string, cands map[string]int) (string, bool) {
	lk := strings.ToLower(key)
	limit := max(1, utf8.RuneCountInString(key)/3)
	best, bestD := "", limit+1
	for c := range cands {
		d := editDistance(lk, strings.ToLower(c))
		if d < bestD || (d == bestD && c < best) {
			best, bestD = c, d
		}
	}
	return best, bestD <= limit
}

// editDistance is the optimal-string-alignment distance between a and b,
// in runes: insertions, deletions, substitutions and transpositions of two
// adjacent runes ("Titel" → "Title") cost 1 each.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	// d[i][j] for the prefixes ra[:i] and rb[:j], three rows kept.
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}

// formulaFieldRefs returns the names in the field references {Name} of a
// filterByFormula, following the formula lexer's rules: quoted strings
// ("…" or '…', where a backslash escapes the next character) are skipped,
// so braces inside them do not count; inside braces, `\}` and `\\` stand
// for '}' and '\'. ok is false when the formula cannot be scanned (an
// unterminated string or reference, another escape in a reference): the
// server then judges it.
func formulaFieldRefs(src string) (refs []string, ok bool) {
	for i := 0; i < len(src); i++ {
		switch c := src[i]; c {
		case '"', '\'':
			j := i + 1
			for j < len(src) && src[j] != c {
				if src[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(src) {
				return nil, false
			}
			i = j
		case '{':
			var b strings.Builder
			j := i + 1
			for ; j < len(src) && src[j] != '}'; j++ {
				if src[j] == '\\' {
					if j+1 >= len(src) || (src[j+1] != '}' && src[j+1] != '\\') {
						return nil, false
					}
					j++
				}
				b.WriteByte(src[j])
			}
			if j >= len(src) {
				return nil, false
			}
			refs = append(refs, b.String())
			i = j
		}
	}
	return refs, true
}

// schemaCache holds the field list of each datasheet a client has checked,
// fetched once per datasheet even under concurrent calls: the first caller
// fetches, the others wait for its result.
type schemaCache struct {
	maxAge time.Duration
	mu     sync.Mutex
	byDst  map[string]*schemaEntry
}

// schemaEntry is one datasheet's fetch: schema and err are set before done
// is closed and never change afterwards.
type schemaEntry struct {
	done   chan struct{}
	schema *Schema
	err    error
}

func newSchemaCache(maxAge time.Duration) *schemaCache {
	return &schemaCache{maxAge: maxAge, byDst: make(map[string]*schemaEntry)}
}

// get returns the cached schema of dst if it is younger than maxAge (and
// not fetched before notBefore), else fetches it once for all
// concurrent callers.
func (c *schemaCache) get(ctx context.Context, dst string, notBefore time.Time, fetch func(context.Context) (*Schema, error)) (*Schema, error) {
	for {
		c.mu.Lock()
		e := c.byDst[dst]
		if e != nil && e.finished() && (e.err != nil || !c.usable(e.schema, notBefore)) {
			e = nil
		}
		if e == nil {
			e = &schemaEntry{done: make(chan struct{})}
			c.byDst[dst] = e
			c.mu.Unlock()
			e.schema, e.err = fetch(ctx)
			close(e.done)
			if e.err != nil {
				c.forget(dst, e)
			}
			return e.schema, e.err
		}
		c.mu.Unlock()
		select {
		case <-e.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if e.err == nil {
			return e.schema, nil
		}
		// The fetching caller's context ended: fetch again with ours.
		if !errors.Is(e.err, context.Canceled) && !errors.Is(e.err, context.DeadlineExceeded) {
			return nil, e.err
		}
	}
}

func (c *schemaCache) usable(s *Schema, notBefore time.Time) bool {
	if s.fetched.Before(notBefore) {
		return false
	}
	return time.Since(s.fetched) < c.maxAge
}

func (e *schemaEntry) finished() bool {
	select {
	case <-e.done:
		return true
	default:
		return false
	}
}

// forget drops dst's entry if it is still e (nil: whatever it is).
func (c *schemaCache) forget(dst string, e *schemaEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e == nil || c.byDst[dst] == e {
		delete(c.byDst, dst)
	}
}

// Schema returns the fields of a datasheet as a *Schema, from the client's
// cache when it holds a list younger than the cache's maximum age
// (DefaultSchemaMaxAge, or that given to WithSchemaCheck), else with one
// Fields.List request. Fields.Create and Fields.Delete through the same
// client drop the datasheet's cached list. It works with or without
// WithSchemaCheck; see Schema for its use with the getters of Fields.
func (s *FieldsService) Schema(ctx context.Context, datasheetID string) (*Schema, error) {
	if err := checkCtx(ctx); err != nil {
		return nil, err
	}
	if err := checkID("datasheetID", datasheetID); err != nil {
		return nil, err
	}
	return s.c.schema(ctx, datasheetID, time.Time{})
}

func (c *Client) schema(ctx context.Context, dst string, notBefore time.Time) (*Schema, error) {
	return c.schemas.get(ctx, dst, notBefore, func(ctx context.Context) (*Schema, error) {
		fields, err := c.Fields.List(ctx, dst, nil)
		if err != nil {
			return nil, err
		}
		return newSchema(dst, fields, time.Now()), nil
	})
}

// forgetSchema drops the cached field list of dst.
func (c *Client) forgetSchema(dst string) { c.schemas.forget(dst, nil) }

// fieldRef is one field key a request names, and where: param[idx] plus
// suffix (e.g. "Sort", 1, ".Field"), formatted only when reported.
type fieldRef struct {
	param  string
	idx    int
	suffix string
	key    string
}

func (r fieldRef) where() string { return fmt.Sprintf("%s[%d]%s", r.param, r.idx, r.suffix) }

// checkFieldRefs checks refs against dst's schema when WithSchemaCheck is
// on. A key the cached list lacks makes it fetch the list again once
// (when older than schemaMissRefresh) before rejecting the request.
// Formula references (fk "") match a name or an id.
func (c *Client) checkFieldRefs(ctx context.Context, dst string, fk FieldKey, refs []fieldRef, formulaRefs []string) error {
	if !c.schemaCheck || (len(refs) == 0 && len(formulaRefs) == 0) {
		return nil
	}
	sch, err := c.schema(ctx, dst, time.Time{})
	if err != nil {
		return fmt.Errorf("apitable: schema check: %w", err)
	}
	bad := firstUnknown(sch, fk, refs, formulaRefs)
	if bad < 0 {
		return nil
	}
	if time.Since(sch.fetched) >= schemaMissRefresh {
		if sch, err = c.schema(ctx, dst, sch.fetched.Add(time.Nanosecond)); err != nil {
			return fmt.Errorf("apitable: schema check: %w", err)
		}
		if bad = firstUnknown(sch, fk, refs, formulaRefs); bad < 0 {
			return nil
		}
	}
	if bad < len(refs) {
		return sch.unknown(refs[bad].where(), fk, refs[bad].key)
	}
	return sch.unknown("FilterByFormula", "", formulaRefs[bad-len(refs)])
}

// firstUnknown returns the index of the first unknown key, counting refs
// then formulaRefs, or -1.
func firstUnknown(sch *Schema, fk FieldKey, refs []fieldRef, formulaRefs []string) int {
	for i, r := range refs {
		if !sch.known(fk, r.key) {
			return i
		}
	}
	for i, name := range formulaRefs {
		if !sch.Has(name) {
			return len(refs) + i
		}
	}
	return -1
}

// checkListFields checks the field keys of a list request: Fields, Sort
// and the references of FilterByFormula.
func (c *Client) checkListFields(ctx context.Context, dst string, p *ListRecordsParams) error {
	if !c.schemaCheck || p == nil {
		return nil
	}
	var refs []fieldRef
	for i, f := range p.Fields {
		refs = append(refs, fieldRef{param: "Fields", idx: i, key: f})
	}
	for i, s := range p.Sort {
		refs = append(refs, fieldRef{param: "Sort", idx: i, suffix: ".Field", key: s.Field})
	}
	formulaRefs, _ := formulaFieldRefs(p.FilterByFormula)
	return c.checkFieldRefs(ctx, dst, p.FieldKey, refs, formulaRefs)
}

// checkWriteFields checks the cell keys of records (and the key fields of
// Create and Upsert).
func (c *Client) checkWriteFields(ctx context.Context, dst string, fk FieldKey, records []Fields, keyFields []string) error {
	if !c.schemaCheck {
		return nil
	}
	var refs []fieldRef
	for i, k := range keyFields {
		refs = append(refs, fieldRef{param: "KeyFields", idx: i, key: k})
	}
	start := len(refs)
	for i, f := range records {
		for k := range f {
			refs = append(refs, fieldRef{param: "records", idx: i, key: k})
		}
		// A stable report when several keys of a record are wrong.
		slices.SortFunc(refs[start:], func(a, b fieldRef) int { return strings.Compare(a.key, b.key) })
		start = len(refs)
	}
	return c.checkFieldRefs(ctx, dst, fk, refs, nil)
}

// noteFieldError drops dst's cached schema when a checked request still
// got a field error from the server: the cached list is out of date (a
// field was deleted or renamed elsewhere).
func (c *Client) noteFieldError(dst string, err error) {
	if !c.schemaCheck || err == nil || !isServerFieldError(err) {
		return
	}
	c.forgetSchema(dst)
}

// noteListError is noteFieldError for a list request, where a rejected
// formula (code 400 with an empty message, which the server also sends for
// syntax errors) may be a reference to a field deleted elsewhere.
func (c *Client) noteListError(dst string, p *ListRecordsParams, err error) {
	var ae *APIError
	if c.schemaCheck && p != nil && strings.Contains(p.FilterByFormula, "{") &&
		errors.As(err, &ae) && ae.Code == 400 && strings.TrimSpace(ae.Message) == "" {
		c.forgetSchema(dst)
		return
	}
	c.noteFieldError(dst, err)
}

// isServerFieldError reports whether err is the server's answer to an
// unknown field (docs/server-behaviour.md §4.3): a sort field that does not
// exist, `Invalid fields` (list fields), or a write whose cells name no
// known field.
func isServerFieldError(err error) bool {
	var ve *ValidationError
	if errors.As(err, &ve) {
		return false // the check's own answer, nothing was sent
	}
	if errors.Is(err, ErrFieldNotFound) {
		return true
	}
	var ae *APIError
	if !errors.As(err, &ae) || ae.Code != 400 {
		return false
	}
	m := strings.TrimRightFunc(ae.Message, unicode.IsSpace)
	return strings.HasPrefix(m, "The sorted field ") ||
		m == "Invalid fields" ||
		m == "The format of the fields parameter value is wrong"
}
