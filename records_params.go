package apitable

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// The parameters and wire forms of the records routes.

// CellFormat selects how cell values are returned.
type CellFormat string

// Cell formats (server-behaviour.md §6.1 cellFormat).
const (
	CellFormatJSON   CellFormat = "json"   // typed JSON values (default)
	CellFormatString CellFormat = "string" // display strings
)

// FieldKey selects whether fields are named by name or by id, in requests
// (sort, fields, written cells) and in returned records.
type FieldKey string

// Field keys (server-behaviour.md §6.1 fieldKey).
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

// ListRecordsParams selects and shapes records (server-behaviour.md §6.1). The zero value lists
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
	// size: 0 past the last page, server-behaviour.md §6.1).
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
	// (server-behaviour.md §6.1: about 500 ids fit in an 8 KB request line).
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
// (server-behaviour.md §6.1): indexed sort brackets, bracketed fields (never comma-split), and
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
