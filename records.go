package apitable

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/apitable-go/apitable/internal/pipeline"
	"github.com/apitable-go/apitable/internal/retry"
)

// RecordsService reads and writes the records of datasheets (§6.1–6.4).
type RecordsService struct{ c *Client }

// CellFormat selects how cell values are returned.
type CellFormat string

// Cell formats (§6.1 cellFormat).
const (
	CellFormatJSON   CellFormat = "json"   // typed JSON values (default)
	CellFormatString CellFormat = "string" // display strings
)

// FieldKey selects whether fields are named by name or by id, in requests
// (sort, fields, written cells) and in returned records.
type FieldKey string

// Field keys (§6.1 fieldKey).
const (
	FieldKeyName FieldKey = "name" // default
	FieldKeyID   FieldKey = "id"
)

// Sort is one sort rule of a list request.
type Sort struct {
	// Field is a field name, or an id with FieldKeyID.
	Field string
	// Desc sorts descending.
	Desc bool
}

// ListRecordsParams selects and shapes records (§6.1). The zero value lists
// every record in the first view's row order.
type ListRecordsParams struct {
	// ViewID applies that view's filter, sort and hidden columns.
	ViewID string
	// PageSize is the number of records per page, 1..1000. List defaults to
	// the server's 100; All defaults to 1000 to save requests.
	PageSize int
	// PageNum is the 1-based page List returns (default 1). All always
	// starts at page 1 and rejects a PageNum.
	PageNum int
	// MaxRecords caps the total number of matching records before paging.
	MaxRecords int
	// Sort rules, applied before the view's own.
	Sort []Sort
	// RecordIDs restricts the result to these records, in this order (unless
	// Sort is given). Unknown ids are skipped silently by the server.
	RecordIDs []string
	// Fields restricts the returned fields (names or ids per FieldKey).
	// Names containing commas are fine: they are sent in a form the server
	// does not split.
	Fields []string
	// FilterByFormula keeps the records for which the formula is true.
	FilterByFormula string
	// CellFormat is CellFormatJSON (default) or CellFormatString.
	CellFormat CellFormat
	// FieldKey is FieldKeyName (default) or FieldKeyID.
	FieldKey FieldKey
	// SkipDuplicates makes All yield each record id once. Paging by number
	// can repeat (or skip) rows while others insert or delete during the
	// scan; this removes the repeats at the cost of remembering every id
	// seen. List ignores it.
	SkipDuplicates bool
}

// RecordsPage is one page of records.
type RecordsPage struct {
	Records []Record `json:"records"`
	// Total is the number of matching records (after MaxRecords).
	Total int `json:"total"`
	// PageNum echoes the page number.
	PageNum int `json:"pageNum"`
	// PageSize is the number of records in this page (not the requested
	// size: 0 past the last page, §6.1).
	PageSize int `json:"pageSize"`
}

const (
	// maxPagesInFlight bounds All's read-ahead; with 1000-record pages it
	// also bounds All's memory.
	maxPagesInFlight = 8
	// speculativePages is how many pages All requests before the first
	// page has given the total.
	speculativePages = 2
	// maxIDsPerQuery keeps a recordIds list inside the server's URL limits
	// (§6.1: about 500 ids fit in an 8 KB request line).
	maxIDsPerQuery = 400
)

func (p *ListRecordsParams) validate(forAll bool) error {
	if p == nil {
		return nil
	}
	if p.PageSize != 0 && (p.PageSize < 1 || p.PageSize > maxPageSize) {
		return invalid("PageSize", "must be between 1 and %d, got %d", maxPageSize, p.PageSize)
	}
	if forAll && p.PageNum != 0 {
		return invalid("PageNum", "All always starts at page 1; use List for a single page")
	}
	if p.PageNum < 0 {
		return invalid("PageNum", "must be at least 1, got %d", p.PageNum)
	}
	if p.MaxRecords < 0 {
		return invalid("MaxRecords", "must be at least 1, got %d", p.MaxRecords)
	}
	if p.ViewID != "" {
		if err := checkID("ViewID", p.ViewID); err != nil {
			return err
		}
	}
	if len(p.RecordIDs) > maxIDsPerQuery {
		return invalid("RecordIDs", "at most %d ids per request fit in the URL, got %d", maxIDsPerQuery, len(p.RecordIDs))
	}
	for i, id := range p.RecordIDs {
		if err := checkID(fmt.Sprintf("RecordIDs[%d]", i), id); err != nil {
			return err
		}
		if strings.Contains(id, ",") {
			return invalid(fmt.Sprintf("RecordIDs[%d]", i), "record ids cannot contain commas")
		}
	}
	for i, f := range p.Fields {
		if strings.TrimSpace(f) == "" {
			return invalid(fmt.Sprintf("Fields[%d]", i), "empty field name")
		}
	}
	for i, s := range p.Sort {
		if strings.TrimSpace(s.Field) == "" {
			return invalid(fmt.Sprintf("Sort[%d].Field", i), "empty field name")
		}
	}
	if err := checkCellFormat(p.CellFormat); err != nil {
		return err
	}
	return checkFieldKey(p.FieldKey)
}

func checkCellFormat(f CellFormat) error {
	switch f {
	case "", CellFormatJSON, CellFormatString:
		return nil
	}
	return invalid("CellFormat", "must be %q or %q, got %q", CellFormatJSON, CellFormatString, f)
}

func checkFieldKey(k FieldKey) error {
	switch k {
	case "", FieldKeyName, FieldKeyID:
		return nil
	}
	return invalid("FieldKey", "must be %q or %q, got %q", FieldKeyName, FieldKeyID, k)
}

// query encodes the parameters in the forms the server parses unambiguously
// (§6.1): indexed sort brackets, bracketed fields (never comma-split), and
// one comma-joined recordIds (14 bytes per id).
func (p *ListRecordsParams) query(pageSize, pageNum int) string {
	q := url.Values{}
	if pageSize != 0 {
		q.Set("pageSize", strconv.Itoa(pageSize))
	}
	if pageNum != 0 {
		q.Set("pageNum", strconv.Itoa(pageNum))
	}
	if p == nil {
		return q.Encode()
	}
	if p.MaxRecords != 0 {
		q.Set("maxRecords", strconv.Itoa(p.MaxRecords))
	}
	if p.ViewID != "" {
		q.Set("viewId", p.ViewID)
	}
	for i, s := range p.Sort {
		order := "asc"
		if s.Desc {
			order = "desc"
		}
		q.Set(fmt.Sprintf("sort[%d][field]", i), s.Field)
		q.Set(fmt.Sprintf("sort[%d][order]", i), order)
	}
	if len(p.RecordIDs) > 0 {
		q.Set("recordIds", strings.Join(p.RecordIDs, ","))
	}
	for _, f := range p.Fields {
		q.Add("fields[]", f)
	}
	if p.FilterByFormula != "" {
		q.Set("filterByFormula", p.FilterByFormula)
	}
	if p.CellFormat != "" {
		q.Set("cellFormat", string(p.CellFormat))
	}
	if p.FieldKey != "" {
		q.Set("fieldKey", string(p.FieldKey))
	}
	return q.Encode()
}

// List returns one page of records.
//
// GET /fusion/v1/datasheets/{datasheetId}/records. Rate-limit bucket: the
// datasheet. Retry class: read (retried on any transient failure).
func (s *RecordsService) List(ctx context.Context, datasheetID string, params *ListRecordsParams) (*RecordsPage, error) {
	if err := checkID("datasheetID", datasheetID); err != nil {
		return nil, err
	}
	if err := params.validate(false); err != nil {
		return nil, err
	}
	pageSize, pageNum := 0, 0
	if params != nil {
		pageSize, pageNum = params.PageSize, params.PageNum
	}
	return s.page(ctx, datasheetID, params, pageSize, pageNum, nil)
}

// page fetches one page; admitted, if set, is called when the request has
// passed the rate limiter.
func (s *RecordsService) page(ctx context.Context, datasheetID string, params *ListRecordsParams, pageSize, pageNum int, admitted func()) (*RecordsPage, error) {
	cl := &call{route: routeListRecords, ids: []string{datasheetID}, query: params.query(pageSize, pageNum), admitted: admitted}
	var raw recordsPageJSON
	if err := s.c.do(ctx, cl, &raw); err != nil {
		return nil, err
	}
	page, err := raw.toPage()
	if err != nil {
		return nil, fmt.Errorf("apitable: %s: decoding data: %w", cl.name(), err)
	}
	return page, nil
}

// recordsPageJSON is the wire form of a page. Records decode into plain
// structs in one pass (no per-record UnmarshalJSON, which would scan each
// record again) and are converted afterwards.
type recordsPageJSON struct {
	Records  []recordWire `json:"records"`
	Total    int          `json:"total"`
	PageNum  int          `json:"pageNum"`
	PageSize int          `json:"pageSize"`
}

func (p *recordsPageJSON) toPage() (*RecordsPage, error) {
	page := &RecordsPage{Records: make([]Record, len(p.Records)), Total: p.Total, PageNum: p.PageNum, PageSize: p.PageSize}
	for i := range p.Records {
		rec, err := p.Records[i].record()
		if err != nil {
			return nil, err
		}
		page.Records[i] = rec
	}
	return page, nil
}

// All iterates over every matching record in server order. It requests
// pages ahead (up to 8 in flight, paced by the rate limiter) and yields them
// in order,
// so a scan runs at the datasheet's rate budget whatever the latency, while
// memory stays bounded by the pages in flight. Pages 2 and 3 are requested
// before page 1 has given the total; when page 1 holds the whole table they
// are cancelled, before they are sent if page 1 answered within the
// limiter's interval (at higher latency a one-page table may cost one or
// two extra requests).
//
// On failure All yields (Record{}, err) once and stops. Breaking out of the
// loop cancels the requests in flight and returns once they have ended.
// Ranging again starts over at page one. See SkipDuplicates for tables
// written to during the scan.
//
// Same endpoint, bucket and retry class as List.
func (s *RecordsService) All(ctx context.Context, datasheetID string, params *ListRecordsParams) iter.Seq2[Record, error] {
	var p ListRecordsParams
	if params != nil {
		p = *params
		p.Sort = append([]Sort(nil), params.Sort...)
		p.RecordIDs = append([]string(nil), params.RecordIDs...)
		p.Fields = append([]string(nil), params.Fields...)
	}
	return func(yield func(Record, error) bool) {
		if ctx == nil {
			yield(Record{}, invalid("ctx", "nil context"))
			return
		}
		if err := checkID("datasheetID", datasheetID); err != nil {
			yield(Record{}, err)
			return
		}
		if err := p.validate(true); err != nil {
			yield(Record{}, err)
			return
		}
		pageSize := p.PageSize
		if pageSize == 0 {
			pageSize = maxPageSize
		}
		var seen map[string]struct{}
		if p.SkipDuplicates {
			seen = make(map[string]struct{})
		}
		emit := func(recs []Record) bool {
			for _, r := range recs {
				if seen != nil {
					if _, dup := seen[r.ID]; dup {
						continue
					}
					seen[r.ID] = struct{}{}
				}
				if !yield(r, nil) {
					return false
				}
			}
			return true
		}
		total := -1 // unknown until the first page answers
		pages := func() int { return (total + pageSize - 1) / pageSize }
		lastFirstID := ""
		var turns pipeline.Turns
		done := false  // the scan reached its end
		ended := false // by an error or the caller's break
		delivered := 0 // pages yielded
		pipeline.Ordered(ctx, min(s.c.maxInFlight, maxPagesInFlight),
			func(i int) bool {
				if done {
					return false
				}
				if total < 0 {
					// Before the total is known, pages 2 and 3 are
					// requested speculatively: they queue for the limiter
					// behind page 1, so when page 1 answers first and the
					// table fits in it they are cancelled before they are
					// sent; at latencies of up to 3 limiter intervals they
					// keep the budget busy until the total arrives.
					return i <= speculativePages
				}
				return i < pages()
			},
			func(ctx context.Context, i int) (*RecordsPage, error) {
				// Pages queue for the limiter in page order: the page
				// delivered next is never the one still waiting.
				defer turns.Done(i)
				if err := turns.Wait(ctx, i); err != nil {
					return nil, err
				}
				return s.page(ctx, datasheetID, &p, pageSize, i+1, func() { turns.Done(i) })
			},
			func(i int, page *RecordsPage, err error) bool {
				if err != nil {
					ended = true
					yield(Record{}, err)
					return false
				}
				// Stop on an empty page or a page that repeats the last one
				// (a server ignoring pageNum would otherwise loop forever).
				if i > 0 && (len(page.Records) == 0 || firstID(page) == lastFirstID) {
					done = true
					return false
				}
				lastFirstID = firstID(page)
				total = page.Total
				delivered++
				if ended = !emit(page.Records); ended {
					return false
				}
				if delivered >= pages() || len(page.Records) == 0 {
					done = true
					return false // cancels a speculative page not needed
				}
				return true
			})
		// The pipeline launches nothing once ctx is done; if that cut the
		// scan short between pages, report it.
		if err := ctx.Err(); err != nil && !ended && !done {
			yield(Record{}, err)
		}
	}
}

func firstID(p *RecordsPage) string {
	if len(p.Records) == 0 {
		return ""
	}
	return p.Records[0].ID
}

// GetRecordParams shapes the record Get returns.
type GetRecordParams struct {
	// ViewID applies that view's hidden columns (and filter: a record the
	// view filters out is not found).
	ViewID string
	// Fields restricts the returned fields.
	Fields []string
	// CellFormat and FieldKey as in ListRecordsParams.
	CellFormat CellFormat
	FieldKey   FieldKey
}

// ErrRecordNotFound is returned by Get when the datasheet has no record with
// that id. The API has no single-record route: Get lists with recordIds, and
// the server skips unknown ids silently (§6.1).
var ErrRecordNotFound = errors.New("apitable: record not found")

// Get returns one record.
//
// GET /fusion/v1/datasheets/{datasheetId}/records?recordIds=…. Bucket: the
// datasheet. Retry class: read.
func (s *RecordsService) Get(ctx context.Context, datasheetID, recordID string, params *GetRecordParams) (*Record, error) {
	if ctx == nil {
		return nil, invalid("ctx", "nil context")
	}
	if err := checkID("recordID", recordID); err != nil {
		return nil, err
	}
	lp := &ListRecordsParams{RecordIDs: []string{recordID}}
	if params != nil {
		lp.ViewID, lp.Fields, lp.CellFormat, lp.FieldKey = params.ViewID, params.Fields, params.CellFormat, params.FieldKey
	}
	page, err := s.List(ctx, datasheetID, lp)
	if err != nil {
		return nil, err
	}
	for i := range page.Records {
		if page.Records[i].ID == recordID {
			return &page.Records[i], nil
		}
	}
	return nil, fmt.Errorf("%w: %s in %s", ErrRecordNotFound, recordID, datasheetID)
}

// CreateRecordsParams are the options of Create.
type CreateRecordsParams struct {
	// ViewID appends the new rows at the end of this view (default: the
	// first view) and limits the returned fields to its visible columns.
	ViewID string
	// FieldKey says whether the Fields maps are keyed by name (default) or
	// by field id; it also keys the returned records.
	FieldKey FieldKey
	// KeyFields, when set, name fields whose values identify a record
	// (every input needs them, with text, number, boolean or time values,
	// and no two inputs may share them). They make creates exactly-once:
	// after a chunk's outcome is unknown, Create looks its keys up with a
	// filterByFormula query and re-sends only the records that are
	// missing (up to 3 rounds). Chunks still unresolved stay
	// ChunkOutcomeUnknown. This assumes no one else creates records with
	// the same keys meanwhile.
	KeyFields []string
}

// UpdateRecordsParams are the options of Update.
type UpdateRecordsParams struct {
	// ViewID limits the returned fields to the view's visible columns.
	ViewID string
	// FieldKey as in CreateRecordsParams.
	FieldKey FieldKey
}

// RecordUpdate is one record's change: the listed cells are set, a nil
// value clears a cell, other cells are left alone.
type RecordUpdate struct {
	ID     string
	Fields Fields
}

type recordsBody struct {
	Records  []any  `json:"records"`
	FieldKey string `json:"fieldKey,omitempty"`
}

type recordsResult struct {
	Records []Record `json:"records"`
}

// Create adds records, any number of them: they are sent in chunks of the
// per-write maximum (10, see WithMaxRecordsPerWrite), several chunks in
// flight when latency exceeds the rate limiter's interval. Chunks pass the
// rate limiter in input order, so rows are normally appended in input order;
// a chunk that is retried (after a 429 or a connection that failed before
// sending) or overtaken on another connection lands after later chunks. Use
// WithMaxInFlight(1) when the datasheet's row order must follow the input.
//
// The result has one entry per input, in input order. If any chunk fails
// the error is a *BatchError that says, per chunk, whether it was applied,
// definitely not applied, or has an unknown outcome; entries of chunks not
// applied are zero Records.
//
// POST /fusion/v1/datasheets/{datasheetId}/records. Bucket: the datasheet.
// Retry class: create — never re-sent after the request may have reached
// the server (ErrOutcomeUnknown).
func (s *RecordsService) Create(ctx context.Context, datasheetID string, records []Fields, params *CreateRecordsParams) ([]Record, error) {
	if ctx == nil {
		return nil, invalid("ctx", "nil context")
	}
	if err := checkID("datasheetID", datasheetID); err != nil {
		return nil, err
	}
	var p CreateRecordsParams
	if params != nil {
		p = *params
	}
	if err := checkFieldKey(p.FieldKey); err != nil {
		return nil, err
	}
	if p.ViewID != "" {
		if err := checkID("ViewID", p.ViewID); err != nil {
			return nil, err
		}
	}
	items := make([]any, len(records))
	for i, f := range records {
		if len(f) == 0 {
			return nil, invalid(fmt.Sprintf("records[%d]", i), "no fields: the server rejects a record without cells")
		}
		enc, err := encodeFields(f)
		if err != nil {
			return nil, prefixField(fmt.Sprintf("records[%d]", i), err)
		}
		items[i] = map[string]any{"fields": enc}
	}
	var ki *keyIndex
	if len(p.KeyFields) > 0 {
		var err error
		if ki, err = newKeyIndex(records, p.KeyFields); err != nil {
			return nil, err
		}
	}
	results, err := s.write(ctx, "create", datasheetID, items, retry.Create, func(chunk []any) *call {
		cl := &call{route: routeCreateRecords, ids: []string{datasheetID}, query: viewQuery(p.ViewID)}
		cl.body, _ = json.Marshal(recordsBody{Records: chunk, FieldKey: string(p.FieldKey)})
		return cl
	})
	var be *BatchError
	if ki != nil && errors.As(err, &be) && slices.ContainsFunc(be.Chunks, func(c ChunkResult) bool { return c.Status == ChunkOutcomeUnknown }) {
		return s.recoverUnknown(ctx, datasheetID, records, ki, p, results, be)
	}
	return results, err
}

// Update changes records by id, any number of them, chunked and pipelined
// like Create. Results and errors as for Create.
//
// PATCH /fusion/v1/datasheets/{datasheetId}/records. Bucket: the datasheet.
// Retry class: update — retried after ambiguous failures, since writing the
// same values twice is harmless.
//
// Note (§6.3): a token that may read but not edit gets success with the
// records unchanged.
func (s *RecordsService) Update(ctx context.Context, datasheetID string, records []RecordUpdate, params *UpdateRecordsParams) ([]Record, error) {
	if ctx == nil {
		return nil, invalid("ctx", "nil context")
	}
	if err := checkID("datasheetID", datasheetID); err != nil {
		return nil, err
	}
	var p UpdateRecordsParams
	if params != nil {
		p = *params
	}
	if err := checkFieldKey(p.FieldKey); err != nil {
		return nil, err
	}
	if p.ViewID != "" {
		if err := checkID("ViewID", p.ViewID); err != nil {
			return nil, err
		}
	}
	items := make([]any, len(records))
	for i, r := range records {
		if err := checkID(fmt.Sprintf("records[%d].ID", i), r.ID); err != nil {
			return nil, err
		}
		if len(r.Fields) == 0 {
			return nil, invalid(fmt.Sprintf("records[%d]", i), "no fields: the server rejects a record without cells")
		}
		enc, err := encodeFields(r.Fields)
		if err != nil {
			return nil, prefixField(fmt.Sprintf("records[%d]", i), err)
		}
		items[i] = map[string]any{"recordId": r.ID, "fields": enc}
	}
	return s.write(ctx, "update", datasheetID, items, retry.Update, func(chunk []any) *call {
		cl := &call{route: routeUpdateRecords, ids: []string{datasheetID}, query: viewQuery(p.ViewID)}
		cl.body, _ = json.Marshal(recordsBody{Records: chunk, FieldKey: string(p.FieldKey)})
		return cl
	})
}

// Delete removes records by id, any number of them, chunked and pipelined
// like Create. On partial failure the error is a *BatchError.
//
// DELETE /fusion/v1/datasheets/{datasheetId}/records?recordIds=…. Bucket:
// the datasheet. Retry class: delete — retried after ambiguous failures; a
// retry answered "record does not exist" counts as done.
func (s *RecordsService) Delete(ctx context.Context, datasheetID string, recordIDs []string) error {
	if ctx == nil {
		return invalid("ctx", "nil context")
	}
	if err := checkID("datasheetID", datasheetID); err != nil {
		return err
	}
	items := make([]any, len(recordIDs))
	for i, id := range recordIDs {
		if err := checkID(fmt.Sprintf("recordIDs[%d]", i), id); err != nil {
			return err
		}
		if strings.Contains(id, ",") {
			return invalid(fmt.Sprintf("recordIDs[%d]", i), "record ids cannot contain commas")
		}
		items[i] = id
	}
	_, err := s.write(ctx, "delete", datasheetID, items, retry.Delete, func(chunk []any) *call {
		ids := make([]string, len(chunk))
		for i, id := range chunk {
			ids[i] = id.(string)
		}
		return &call{route: routeDeleteRecords, ids: []string{datasheetID}, query: url.Values{"recordIds": {strings.Join(ids, ",")}}.Encode()}
	})
	return err
}

func viewQuery(viewID string) string {
	if viewID == "" {
		return ""
	}
	return url.Values{"viewId": {viewID}}.Encode()
}

// write sends items in chunks through the ordered pipeline and assembles
// the per-input results and the BatchError.
func (s *RecordsService) write(ctx context.Context, op, datasheetID string, items []any, kind retry.Kind, build func(chunk []any) *call) ([]Record, error) {
	if len(items) == 0 {
		return []Record{}, nil
	}
	size := s.c.maxPerWrite
	n := (len(items) + size - 1) / size
	results := make([]Record, len(items))
	chunks := make([]ChunkResult, n)
	// Chunk i+1 waits for the limiter only after chunk i's first attempt
	// passed it, so chunks are sent in input order even with several in
	// flight.
	var turns pipeline.Turns
	var fatal error
	pipeline.Ordered(ctx, s.c.maxInFlight,
		func(i int) bool { return i < n && fatal == nil },
		func(ctx context.Context, i int) ([]Record, error) {
			defer turns.Done(i)
			if err := turns.Wait(ctx, i); err != nil {
				return nil, err
			}
			lo, hi := i*size, min((i+1)*size, len(items))
			cl := build(items[lo:hi])
			cl.admitted = func() { turns.Done(i) }
			if kind == retry.Delete {
				return nil, s.c.do(ctx, cl, nil)
			}
			var res recordsResult
			if err := s.c.do(ctx, cl, &res); err != nil {
				return nil, err
			}
			return res.Records, nil
		},
		func(i int, recs []Record, err error) bool {
			lo, hi := i*size, min((i+1)*size, len(items))
			ch := ChunkResult{Index: i, Start: lo, End: hi, Inputs: span(lo, hi)}
			switch {
			case err == nil:
				ch.Status = ChunkApplied
				ch.Records = recs
				if kind != retry.Delete && len(recs) == hi-lo {
					copy(results[lo:hi], recs)
				} else if kind != retry.Delete {
					// Update answers each record once even for duplicated
					// ids (§6.3); match by id.
					byID := make(map[string]Record, len(recs))
					for _, r := range recs {
						byID[r.ID] = r
					}
					for j := lo; j < hi; j++ {
						if m, ok := items[j].(map[string]any); ok {
							id, _ := m["recordId"].(string)
							results[j] = byID[id]
						}
					}
				}
			case errors.Is(err, ErrOutcomeUnknown):
				ch.Status = ChunkOutcomeUnknown
				ch.Err = err
			default:
				ch.Status = ChunkFailed
				ch.Err = err
				if stopsBatch(err) {
					fatal = err
				}
			}
			chunks[i] = ch
			return true
		})
	failed := false
	for i := range chunks {
		if chunks[i].End == 0 { // never launched: a fatal error or ctx stopped the batch
			cause := fatal
			if cause == nil {
				cause = ctx.Err()
			}
			lo, hi := i*size, min((i+1)*size, len(items))
			chunks[i] = ChunkResult{Index: i, Start: lo, End: hi, Inputs: span(lo, hi), Status: ChunkFailed,
				Err: &NotAttemptedError{Cause: cause}}
		}
		if chunks[i].Status != ChunkApplied {
			failed = true
		}
	}
	if !failed {
		return results, nil
	}
	return results, &BatchError{Op: op, DatasheetID: datasheetID, Chunks: chunks}
}

func span(lo, hi int) []int {
	s := make([]int, hi-lo)
	for i := range s {
		s[i] = lo + i
	}
	return s
}

// stopsBatch reports whether a chunk's failure means the remaining chunks
// would fail the same way, so they are not sent.
func stopsBatch(err error) bool {
	// ErrRateLimited is not here: each chunk backs off on its own, and a
	// window that refused one chunk may admit the next.
	for _, e := range []error{ErrUnauthorized, ErrForbidden, ErrDatasheetNotFound, ErrAPINotFound,
		ErrNodePermission, ErrRowLimitExceeded, context.Canceled, context.DeadlineExceeded} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

func prefixField(prefix string, err error) error {
	var ve *ValidationError
	if errors.As(err, &ve) {
		f := prefix
		if ve.Field != "" {
			f += "." + ve.Field
		}
		return &ValidationError{Field: f, Reason: ve.Reason}
	}
	return err
}
