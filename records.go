package apitable

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/url"
	"strings"

	"github.com/apitable-go/apitable/internal/batch"
	"github.com/apitable-go/apitable/internal/pipeline"
)

// RecordsService reads and writes the records of datasheets (server-behaviour.md §6.1–6.4).
type RecordsService struct{ c *Client }

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
	if err := s.c.checkListFields(ctx, datasheetID, params); err != nil {
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
	if params != nil {
		cl.formula = params.FilterByFormula // named by the error if the server rejects it
	}
	var raw recordsPageJSON
	if err := s.c.do(ctx, cl, &raw); err != nil {
		s.c.noteListError(datasheetID, params, err)
		return nil, err
	}
	page, err := raw.toPage()
	if err != nil {
		return nil, fmt.Errorf("apitable: %s: decoding data: %w", cl.name(), err)
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
		if err := checkCtx(ctx); err != nil {
			yield(Record{}, err)
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
		if err := s.c.checkListFields(ctx, datasheetID, &p); err != nil {
			yield(Record{}, err)
			return
		}
		sc := &scan{s: s, datasheetID: datasheetID, p: &p, pageSize: p.PageSize, total: -1, yield: yield}
		if sc.pageSize == 0 {
			sc.pageSize = maxPageSize
		}
		if p.SkipDuplicates {
			sc.seen = make(map[string]struct{})
		}
		pipeline.Ordered(ctx, min(s.c.maxInFlight, maxPagesInFlight), sc.more, sc.fetch, sc.deliver)
		// The pipeline launches nothing once ctx is done; if that cut the
		// scan short between pages, report it.
		if err := ctx.Err(); err != nil && !sc.ended && !sc.done {
			yield(Record{}, err)
		}
	}
}

// scan is the state of one range over All: the pages ahead in flight, and
// what the pages delivered so far have told.
type scan struct {
	s           *RecordsService
	datasheetID string
	p           *ListRecordsParams
	pageSize    int
	yield       func(Record, error) bool
	seen        map[string]struct{} // ids yielded, with SkipDuplicates
	turns       pipeline.Turns
	total       int    // matching records; -1 until the first page answers
	lastFirstID string // the first id of the last page delivered
	done        bool   // the scan reached its end
	ended       bool   // by an error or the caller's break
	delivered   int    // pages yielded
}

func (sc *scan) pages() int { return (sc.total + sc.pageSize - 1) / sc.pageSize }

// more says whether page i is to be requested.
func (sc *scan) more(i int) bool {
	if sc.done {
		return false
	}
	if sc.total < 0 {
		// Before the total is known, pages 2 and 3 are requested
		// speculatively: they queue for the limiter behind page 1, so when
		// page 1 answers first and the table fits in it they are cancelled
		// before they are sent; at latencies of up to 3 limiter intervals
		// they keep the budget busy until the total arrives.
		return i <= speculativePages
	}
	return i < sc.pages()
}

// fetch requests page i (0-based). Pages queue for the limiter in page
// order: the page delivered next is never the one still waiting.
func (sc *scan) fetch(ctx context.Context, i int) (*RecordsPage, error) {
	defer sc.turns.Done(i)
	if err := sc.turns.Wait(ctx, i); err != nil {
		return nil, err
	}
	return sc.s.page(ctx, sc.datasheetID, sc.p, sc.pageSize, i+1, func() { sc.turns.Done(i) })
}

// deliver yields page i's records and says whether the scan goes on.
func (sc *scan) deliver(i int, page *RecordsPage, err error) bool {
	if err != nil {
		sc.ended = true
		sc.yield(Record{}, err)
		return false
	}
	// Stop on an empty page or a page that repeats the last one (a server
	// ignoring pageNum would otherwise loop forever).
	if i > 0 && (len(page.Records) == 0 || firstID(page) == sc.lastFirstID) {
		sc.done = true
		return false
	}
	sc.lastFirstID = firstID(page)
	sc.total = page.Total
	sc.delivered++
	if sc.ended = !sc.emit(page.Records); sc.ended {
		return false
	}
	if sc.delivered >= sc.pages() || len(page.Records) == 0 {
		sc.done = true
		return false // cancels a speculative page not needed
	}
	return true
}

// emit yields records, skipping ids already seen with SkipDuplicates; false
// when the caller broke out of the loop.
func (sc *scan) emit(recs []Record) bool {
	for _, r := range recs {
		if sc.seen != nil {
			if _, dup := sc.seen[r.ID]; dup {
				continue
			}
			sc.seen[r.ID] = struct{}{}
		}
		if !sc.yield(r, nil) {
			return false
		}
	}
	return true
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
	// the same keys meanwhile. An empty key value ("", false, nil) matches
	// a record whose cell is empty, since the server stores those as an
	// empty cell and omits it from what it returns; 0 matches only 0.
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
// the error is a *BatchError (Op "create") that says, per chunk, whether it
// was applied, definitely not applied, or has an unknown outcome; entries
// of chunks not applied are zero Records. A 2xx answer that does not hold
// one record per input leaves its chunk's outcome unknown.
//
// POST /fusion/v1/datasheets/{datasheetId}/records. Bucket: the datasheet.
// Retry class: create — never re-sent after the request may have reached
// the server (ErrOutcomeUnknown).
func (s *RecordsService) Create(ctx context.Context, datasheetID string, records []Fields, params *CreateRecordsParams) ([]Record, error) {
	rep, err := s.create(ctx, datasheetID, records, params)
	if err != nil {
		return nil, err
	}
	err = batchError("create", datasheetID, rep, recordsOf)
	s.c.noteFieldError(datasheetID, err)
	return rep.Results, err
}

// create validates, sends and (with KeyFields) recovers a create; the
// error is a validation error, returned before anything is sent.
func (s *RecordsService) create(ctx context.Context, datasheetID string, records []Fields, params *CreateRecordsParams) (*batch.Report[Record], error) {
	var p CreateRecordsParams
	if params != nil {
		p = *params
	}
	if err := checkWrite(ctx, datasheetID, p.ViewID, p.FieldKey); err != nil {
		return nil, err
	}
	items := make([]any, len(records))
	for i, f := range records {
		enc, err := encodeRecord(i, f)
		if err != nil {
			return nil, err
		}
		items[i] = map[string]any{"fields": enc}
	}
	// After the encoding (no request for values that cannot be sent), before
	// the key index (whose "no value for key field" would hide a misspelt
	// key field).
	if err := s.c.checkWriteFields(ctx, datasheetID, p.FieldKey, records, p.KeyFields); err != nil {
		return nil, err
	}
	var ki *keyIndex
	if len(p.KeyFields) > 0 {
		var err error
		if ki, err = newKeyIndex(records, p.KeyFields); err != nil {
			return nil, err
		}
	}
	rep := batch.Run(ctx, items, s.c.batchOptions(s.c.maxPerWrite), func(ctx context.Context, chunk []any, admitted func()) ([]Record, error) {
		cl := &call{route: routeCreateRecords, ids: []string{datasheetID}, query: viewQuery(p.ViewID), admitted: admitted}
		cl.body, _ = json.Marshal(recordsBody{Records: chunk, FieldKey: string(p.FieldKey)})
		var res recordsResult
		if err := s.c.do(ctx, cl, &res); err != nil {
			return nil, err
		}
		if len(res.Records) != len(chunk) {
			return nil, shortAnswer(cl, len(res.Records), len(chunk))
		}
		return res.Records, nil
	})
	if ki != nil && rep.Has(batch.Unknown) {
		s.recoverUnknown(ctx, datasheetID, records, ki, p, rep)
	}
	return rep, nil
}

// shortAnswer is a 2xx write answer that does not account for every record
// sent: the server did something, but what cannot be told from the answer.
func shortAnswer(cl *call, got, sent int) error {
	return &outcomeUnknownError{cause: fmt.Errorf("apitable: %s: the answer holds %d records for %d sent", cl.name(), got, sent)}
}

// checkWrite checks the arguments every records write shares.
func checkWrite(ctx context.Context, datasheetID, viewID string, key FieldKey) error {
	if err := checkCtx(ctx); err != nil {
		return err
	}
	if err := checkID("datasheetID", datasheetID); err != nil {
		return err
	}
	if err := checkFieldKey(key); err != nil {
		return err
	}
	if viewID != "" {
		return checkID("ViewID", viewID)
	}
	return nil
}

// encodeRecord encodes input i's cells for the wire.
func encodeRecord(i int, f Fields) (map[string]any, error) {
	if len(f) == 0 {
		return nil, invalid(fmt.Sprintf("records[%d]", i), "no fields: the server rejects a record without cells")
	}
	enc, err := encodeFields(f)
	if err != nil {
		return nil, prefixField(fmt.Sprintf("records[%d]", i), err)
	}
	return enc, nil
}

// Update changes records by id, any number of them, chunked and pipelined
// like Create. Results and errors as for Create (Op "update"); an answer
// that lacks one of the chunk's records leaves the chunk's outcome unknown.
//
// PATCH /fusion/v1/datasheets/{datasheetId}/records. Bucket: the datasheet.
// Retry class: update — retried after ambiguous failures, since writing the
// same values twice is harmless.
//
// Note (server-behaviour.md §6.3): a token that may read but not edit gets success with the
// records unchanged.
func (s *RecordsService) Update(ctx context.Context, datasheetID string, records []RecordUpdate, params *UpdateRecordsParams) ([]Record, error) {
	rep, err := s.update(ctx, datasheetID, records, params)
	if err != nil {
		return nil, err
	}
	err = batchError("update", datasheetID, rep, recordsOf)
	s.c.noteFieldError(datasheetID, err)
	return rep.Results, err
}

func (s *RecordsService) update(ctx context.Context, datasheetID string, records []RecordUpdate, params *UpdateRecordsParams) (*batch.Report[Record], error) {
	var p UpdateRecordsParams
	if params != nil {
		p = *params
	}
	if err := checkWrite(ctx, datasheetID, p.ViewID, p.FieldKey); err != nil {
		return nil, err
	}
	items := make([]any, len(records))
	ids := make(map[string]struct{}, len(records))
	for i, r := range records {
		if err := checkID(fmt.Sprintf("records[%d].ID", i), r.ID); err != nil {
			return nil, err
		}
		ids[r.ID] = struct{}{}
		enc, err := encodeRecord(i, r.Fields)
		if err != nil {
			return nil, err
		}
		items[i] = map[string]any{"recordId": r.ID, "fields": enc}
	}
	if s.c.schemaCheck {
		cells := make([]Fields, len(records))
		for i, r := range records {
			cells[i] = r.Fields
		}
		if err := s.c.checkWriteFields(ctx, datasheetID, p.FieldKey, cells, nil); err != nil {
			return nil, err
		}
	}
	return batch.Run(ctx, items, s.c.batchOptions(s.c.maxPerWrite), func(ctx context.Context, chunk []any, admitted func()) ([]Record, error) {
		// Updates leave together and may arrive in any order, unless a
		// record is changed twice: then the later change lands last.
		cl := &call{route: routeUpdateRecords, ids: []string{datasheetID}, query: viewQuery(p.ViewID), admitted: admitted,
			inOrder: len(ids) < len(records)}
		cl.body, _ = json.Marshal(recordsBody{Records: chunk, FieldKey: string(p.FieldKey)})
		var res recordsResult
		if err := s.c.do(ctx, cl, &res); err != nil {
			return nil, err
		}
		return matchUpdated(cl, chunk, res.Records)
	}), nil
}

// matchUpdated maps an update answer to the chunk's inputs by record id:
// the server answers each record once even for duplicated ids
// (docs/server-behaviour.md §6.3).
func matchUpdated(cl *call, chunk []any, recs []Record) ([]Record, error) {
	byID := make(map[string]Record, len(recs))
	for _, r := range recs {
		byID[r.ID] = r
	}
	out := make([]Record, len(chunk))
	for j, it := range chunk {
		id, _ := it.(map[string]any)["recordId"].(string)
		r, ok := byID[id]
		if !ok {
			return nil, &outcomeUnknownError{cause: fmt.Errorf("apitable: %s: the answer lacks record %s", cl.name(), id)}
		}
		out[j] = r
	}
	return out, nil
}

// Delete removes records by id, any number of them, chunked and pipelined
// like Create. On partial failure the error is a *BatchError (Op "delete").
//
// DELETE /fusion/v1/datasheets/{datasheetId}/records?recordIds=…. Bucket:
// the datasheet. Retry class: delete — retried after ambiguous failures.
// The server rejects a whole chunk when one of its ids does not exist
// (docs/server-behaviour.md §6.4), so a retry answered "record does not
// exist" after an ambiguous attempt proves nothing: Delete then reads which
// of the chunk's ids remain, deletes those, and reports the ids that were
// missing from the start as failed (matching ErrRecordNotFound).
func (s *RecordsService) Delete(ctx context.Context, datasheetID string, recordIDs []string) error {
	if err := checkWrite(ctx, datasheetID, "", ""); err != nil {
		return err
	}
	for i, id := range recordIDs {
		if err := checkID(fmt.Sprintf("recordIDs[%d]", i), id); err != nil {
			return err
		}
		if strings.Contains(id, ",") {
			return invalid(fmt.Sprintf("recordIDs[%d]", i), "record ids cannot contain commas")
		}
	}
	rep := batch.Run(ctx, recordIDs, s.c.batchOptions(s.c.maxPerWrite), func(ctx context.Context, ids []string, admitted func()) ([]struct{}, error) {
		return nil, s.deleteChunk(ctx, datasheetID, ids, admitted)
	})
	return batchError[struct{}]("delete", datasheetID, rep, nil)
}

func viewQuery(viewID string) string {
	if viewID == "" {
		return ""
	}
	return url.Values{"viewId": {viewID}}.Encode()
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
