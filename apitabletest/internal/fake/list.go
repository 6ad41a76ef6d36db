package fake

import (
	"fmt"
	"net/url"

	"github.com/apitable-go/apitable/internal/formula"
)

// listRecords: GET /fusion/v1/datasheets/{datasheetId}/records (server-behaviour.md §6.1).
// The steps follow the server: view guard and DTO checks, the read
// permission of loading the datasheet, the query pipe (sort fields, then
// fields, then the formula), then rows, filter, sort, cap and page.
func (s *Backend) listRecords(rs *reqState) (*result, *apiError) {
	ds := s.st.dsts[rs.params["datasheetId"]]
	if ds == nil {
		return nil, errDatasheetNotFound()
	}
	q := rs.r.URL.Query()
	lq, aerr := parseListQuery(ds, q)
	if aerr != nil {
		return nil, aerr
	}
	if aerr := s.readGuard(ds); aerr != nil {
		return nil, aerr // server-behaviour.md §6.5: loading the datasheet checks read permission
	}
	if aerr := lq.resolve(ds, q); aerr != nil {
		return nil, aerr
	}
	if lq.filter, aerr = s.parseFilter(ds, q.Get("filterByFormula")); aerr != nil {
		return nil, aerr
	}
	if lq.plainPaging() {
		return s.plainPage(ds, lq), nil
	}
	return s.page(ds, lq, s.selectRows(ds, lq)), nil
}

// resolve runs the query pipe's first steps: sort fields, the fields list
// and recordIds (the formula, which the pipe checks between the fields
// and recordIds, raises no error recordIds could, so parseFilter runs it
// after).
func (lq *listQuery) resolve(ds *datasheet, q url.Values) *apiError {
	for _, sr := range lq.sorts {
		if sr.noOrder {
			return errServer("Cannot read properties of undefined (reading 'toLowerCase')")
		}
		f := ds.fieldByKey(sr.field, lq.byID)
		if f == nil {
			return errParam(fmt.Sprintf("The sorted field \"%s\" does not exist", sr.field))
		}
		lq.rules = append(lq.rules, sortRule{fieldID: f.id, desc: sr.order == "desc"})
	}
	if aerr := lq.resolveFields(ds, q); aerr != nil {
		return aerr
	}
	if ids, ok := queryList(q, "recordIds"); ok && len(ids) > 0 {
		lq.ids = ids
	}
	return nil
}

// resolveFields picks the columns: the view's visible fields, or the
// fields parameter's (minus those the view hides).
func (lq *listQuery) resolveFields(ds *datasheet, q url.Values) *apiError {
	lq.cols = visibleFields(ds, lq.vw)
	names, ok := queryList(q, "fields")
	if !ok || len(names) == 0 {
		return nil
	}
	var sel []*field
	for _, n := range names {
		f := ds.fieldByKey(n, lq.byID)
		if f == nil {
			return errParam("Invalid fields")
		}
		if lq.vw != nil && lq.vw.hidden[f.id] {
			continue
		}
		sel = append(sel, f)
	}
	lq.cols = sel
	return nil
}

// plainPaging reports a request that pages the first view's row order
// unchanged (no ids, filter or sort).
func (lq *listQuery) plainPaging() bool {
	return lq.ids == nil && lq.filter == nil && (lq.vw == nil || (lq.vw.filter == "" && len(lq.vw.sort) == 0)) &&
		len(lq.rules) == 0 && lq.pageSize != -1
}

// plainPage looks up only the page's rows, so a page costs the same in a
// table of any size.
func (s *Backend) plainPage(ds *datasheet, lq *listQuery) *result {
	total := len(ds.order)
	if lq.maxRecords > 0 && total > lq.maxRecords {
		total = lq.maxRecords
	}
	lo, hi := pageBounds(lq.pageNum, lq.pageSize, total)
	out := make([]recordOut, 0, hi-lo)
	for _, id := range ds.order[lo:hi] {
		out = append(out, s.renderRecord(ds, ds.records[id], lq.cols, lq.byID, lq.asString, true))
	}
	return pageResult(lq, total, out)
}

// selectRows returns the matching rows, filtered, sorted and capped.
func (s *Backend) selectRows(ds *datasheet, lq *listQuery) []*record {
	var rows []*record
	if lq.ids != nil {
		for _, id := range lq.ids {
			if r := ds.records[id]; r != nil {
				rows = append(rows, r)
			}
		}
	} else {
		rows = make([]*record, 0, len(ds.order))
		for _, id := range ds.order {
			rows = append(rows, ds.records[id])
		}
	}
	if lq.vw != nil && lq.vw.filter != "" {
		rows = s.filterRows(ds, rows, lq.vw.filter, nil)
	}
	if lq.filter != nil {
		rows = s.filterRows(ds, rows, "", lq.filter)
	}
	rules := lq.rules
	if lq.vw != nil && lq.ids == nil {
		rules = append(rules, lq.vw.sort...)
	}
	s.sortRecords(ds, rows, rules)
	if lq.maxRecords > 0 && len(rows) > lq.maxRecords {
		rows = rows[:lq.maxRecords]
	}
	return rows
}

// page renders the requested page of rows.
func (s *Backend) page(ds *datasheet, lq *listQuery, rows []*record) *result {
	lo, hi := pageBounds(lq.pageNum, lq.pageSize, len(rows))
	out := make([]recordOut, 0, hi-lo)
	for _, r := range rows[lo:hi] {
		out = append(out, s.renderRecord(ds, r, lq.cols, lq.byID, lq.asString, true))
	}
	return pageResult(lq, len(rows), out)
}

// pageResult is the answer's data: past the last page, records is empty,
// pageSize 0, total unchanged and pageNum echoed (server-behaviour.md §6.1).
func pageResult(lq *listQuery, total int, out []recordOut) *result {
	return &result{data: map[string]any{"total": total, "pageNum": lq.pageNum, "pageSize": len(out), "records": out}}
}

func (s *Backend) filterRows(ds *datasheet, rows []*record, src string, e formula.Expr) []*record {
	if e == nil {
		var err error
		if e, err = parseFormula(src); err != nil {
			return rows
		}
	}
	out := rows[:0:0]
	var firstErr error
	for _, r := range rows {
		v, err := formula.EvalContext(e, s.formulaLookup(ds, r, 0), s.formulaContext(ds, r))
		if err != nil && firstErr == nil {
			firstErr = err
			s.notice(fmt.Sprintf("formula %q excluded record %s (and any other row it fails on): %v", e.String(), r.id, err))
		}
		if err == nil && formula.Truthy(v) {
			out = append(out, r)
		}
	}
	return out
}
