package fake

import (
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/apitable-go/apitable/internal/formula"
)

// Query parameters of list records in the encodings of server-behaviour.md §6.1.

var indexedKey = regexp.MustCompile(`^([A-Za-z]+)\[(\d*)\](?:\[([A-Za-z]+)\])?$`)

// queryList collects an array parameter: name=a&name=b, name=a,b (comma
// split only for a single unbracketed occurrence), name[]=a, name[0]=a.
func queryList(q url.Values, name string) ([]string, bool) {
	plain, hasPlain := q[name]
	var bracket []string
	type idx struct {
		i int
		v []string
	}
	var indexed []idx
	for k, vs := range q {
		m := indexedKey.FindStringSubmatch(k)
		if m == nil || m[1] != name || m[3] != "" {
			continue
		}
		if m[2] == "" {
			bracket = append(bracket, vs...)
		} else {
			n, _ := strconv.Atoi(m[2])
			indexed = append(indexed, idx{n, vs})
		}
	}
	sort.Slice(indexed, func(a, b int) bool { return indexed[a].i < indexed[b].i })
	if !hasPlain && len(bracket) == 0 && len(indexed) == 0 {
		return nil, false
	}
	var vals []string
	if hasPlain && len(plain) == 1 && len(bracket) == 0 && len(indexed) == 0 {
		vals = strings.Split(plain[0], ",")
	} else {
		vals = append(vals, plain...)
		vals = append(vals, bracket...)
		for _, x := range indexed {
			vals = append(vals, x.v...)
		}
	}
	out := vals[:0:0]
	for _, v := range vals {
		if v != "" {
			out = append(out, v)
		}
	}
	return out, true
}

type sortReq struct {
	field   string
	order   string
	noOrder bool
	json    bool
}

// parseSort reads the sort parameter in its three encodings (server-behaviour.md §6.1): the
// bracket forms when any sort[…][…] key is present, else the JSON form.
func parseSort(q url.Values) ([]sortReq, []dtoFailure, *apiError) {
	if out := parseBracketSort(q); len(out) > 0 {
		return out, nil, nil
	}
	return parseJSONSort(q["sort"])
}

// bracketRule is one sort rule of the bracket form, with every value its
// keys received.
type bracketRule struct {
	fields, orders []string
}

func (r *bracketRule) add(key string, vs []string) {
	switch key {
	case "field":
		r.fields = append(r.fields, vs...)
	case "order":
		r.orders = append(r.orders, vs...)
	}
}

// req turns the rule into a request as QueryPipe sees it: repeated values
// joined with commas, order lower-cased, a missing field "undefined".
func (r *bracketRule) req() sortReq {
	sr := sortReq{field: strings.Join(r.fields, ",")}
	if len(r.fields) == 0 {
		sr.field = "undefined"
	}
	if len(r.orders) == 0 {
		sr.noOrder = true
	} else {
		sr.order = strings.ToLower(strings.Join(r.orders, ","))
	}
	return sr
}

// parseBracketSort reads sort[0][field]=…&sort[0][order]=… (indexed rules
// in index order) and sort[][field]=… (all unindexed keys make one rule,
// last).
func parseBracketSort(q url.Values) []sortReq {
	rules := map[int]*bracketRule{}
	var order []int
	unindexed := &bracketRule{}
	hasUnindexed := false
	for k, vs := range q {
		m := indexedKey.FindStringSubmatch(k)
		if m == nil || m[1] != "sort" || m[3] == "" {
			continue
		}
		if m[2] == "" {
			unindexed.add(m[3], vs)
			hasUnindexed = true
			continue
		}
		n, _ := strconv.Atoi(m[2])
		if rules[n] == nil {
			rules[n] = &bracketRule{}
			order = append(order, n)
		}
		rules[n].add(m[3], vs)
	}
	sort.Ints(order)
	var out []sortReq
	for _, n := range order {
		out = append(out, rules[n].req())
	}
	if hasUnindexed {
		out = append(out, unindexed.req())
	}
	return out
}

// parseJSONSort reads sort={"field":"A","order":"desc"}[,{…}], validated
// by the DTO (nested failures).
func parseJSONSort(raws []string) ([]sortReq, []dtoFailure, *apiError) {
	var out []sortReq
	var fails []dtoFailure
	i := 0
	for _, raw := range raws {
		var items []any
		if err := json.Unmarshal([]byte("["+raw+"]"), &items); err != nil {
			return nil, nil, errServer([]string{"sort.api_params_instance_sort_error"})
		}
		for _, it := range items {
			m, _ := it.(map[string]any)
			if m == nil {
				fails = append(fails, dtoFailure{id: "sort.nested property sort must be either object or array", nested: true})
				i++
				continue
			}
			f, fok := m["field"].(string)
			o, _ := m["order"].(string)
			if !fok {
				fails = append(fails, dtoFailure{id: fmt.Sprintf("sort.%d.api_params_instance_sort_error", i), nested: true})
			} else if o != "asc" && o != "desc" {
				fails = append(fails, dtoFailure{id: fmt.Sprintf("sort.%d.api_params_invalid_order_sort", i), nested: true})
			}
			out = append(out, sortReq{field: f, order: o, json: true})
			i++
		}
	}
	return out, fails, nil
}

// numParam parses a numeric query parameter the way class-transformer's
// Number() does.
func numParam(q url.Values, name string) (float64, bool, bool) {
	vs, ok := q[name]
	if !ok {
		return 0, false, true
	}
	v := strings.TrimSpace(vs[len(vs)-1])
	if v == "" {
		return 0, true, true
	}
	x, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return 0, true, false
	}
	return x, true, true
}

// listQuery is a validated list-records request.
type listQuery struct {
	vw         *view // nil: no viewId
	pageSize   int   // -1: no paging
	pageNum    int
	maxRecords int // -1: no cap
	asString   bool
	byID       bool
	sorts      []sortReq
	rules      []sortRule // resolved sorts
	cols       []*field
	filter     formula.Expr
	ids        []string // recordIds, when given and not empty
}

// parseListQuery runs the view guard and the DTO checks of list records.
func parseListQuery(ds *datasheet, q url.Values) (*listQuery, *apiError) {
	lq := &listQuery{}
	if vid := q.Get("viewId"); vid != "" {
		if lq.vw = ds.view(vid); lq.vw == nil {
			return nil, errParam("The specified view does not exist")
		}
	}
	fails := lq.parsePaging(q)
	fails = append(fails, lq.parseFormat(q)...)
	sorts, sortFails, aerr := parseSort(q)
	if aerr != nil {
		return nil, aerr
	}
	lq.sorts = sorts
	fails = append(fails, sortFails...)
	if aerr := dtoError(fails); aerr != nil {
		return nil, aerr
	}
	return lq, nil
}

// parsePaging reads pageSize (1..1000, or -1 for every row), maxRecords
// and pageNum (≥ 1, no upper bound: a page past the end is empty).
func (lq *listQuery) parsePaging(q url.Values) []dtoFailure {
	var fails []dtoFailure
	lq.pageSize, lq.pageNum, lq.maxRecords = 100, 1, -1
	if x, present, ok := numParam(q, "pageSize"); present {
		switch {
		case ok && x == -1:
			lq.pageSize = -1
		case !ok || x < 1:
			fails = append(fails, dtoFailure{id: "api_params_pagesize_min_error", text: "pagesize value can't be smaller than 1"})
		case x > 1000:
			fails = append(fails, dtoFailure{id: "api_params_pagesize_max_error", text: "pagesize value can't be greater than 1000"})
		default:
			lq.pageSize = int(x)
		}
	}
	if x, present, ok := numParam(q, "maxRecords"); present {
		if !ok || x < 1 {
			fails = append(fails, dtoFailure{id: "api_params_maxrecords_min_error", text: "maxRecords value can't be smaller than 1"})
		} else {
			lq.maxRecords = clampInt(x)
		}
	}
	if x, present, ok := numParam(q, "pageNum"); present {
		if !ok || x < 1 {
			fails = append(fails, dtoFailure{id: "api_params_pagenum_min_error", text: "pageNum value can't be smaller than 1"})
		} else {
			lq.pageNum = clampInt(x)
		}
	}
	return fails
}

// clampInt converts a validated count (≥ 1) to an int; a number past
// math.MaxInt becomes math.MaxInt, which is past the end of any table.
func clampInt(x float64) int {
	if x >= math.MaxInt { // math.MaxInt rounds up to 2^63 as a float64
		return math.MaxInt
	}
	return int(x)
}

// parseFormat reads cellFormat and fieldKey.
func (lq *listQuery) parseFormat(q url.Values) []dtoFailure {
	var fails []dtoFailure
	if vs, ok := q["cellFormat"]; ok {
		switch vs[len(vs)-1] {
		case "string":
			lq.asString = true
		case "json":
		default:
			fails = append(fails, dtoFailure{id: "api_params_cellformat_error", text: `cellFormat value only supports "string" or "id"`})
		}
	}
	if vs, ok := q["fieldKey"]; ok {
		switch vs[len(vs)-1] {
		case "id":
			lq.byID = true
		case "name":
		default:
			fails = append(fails, dtoFailure{id: "api_params_invalid_field_key", text: `Invalid fieldKey (only supports "id" or "name")`})
		}
	}
	return fails
}

// pageBounds returns the slice [lo, hi) of n rows that page pageNum of
// pageSize rows covers (server-behaviour.md §6.1: rows [(pageNum-1)*pageSize, pageNum*pageSize)),
// without overflowing for any pageNum; pageSize -1 covers every row.
func pageBounds(pageNum, pageSize, n int) (lo, hi int) {
	if pageSize <= 0 {
		return 0, n
	}
	if pageNum-1 > n/pageSize {
		return n, n // past the end
	}
	lo = min((pageNum-1)*pageSize, n)
	return lo, min(lo+pageSize, n)
}
