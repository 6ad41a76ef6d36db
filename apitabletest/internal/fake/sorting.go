package fake

import (
	"sort"
	"strings"
)

// sortValue compares two read values for sorting: empty first, numbers
// numerically, the rest as text.
func compareValues(a, b any) int {
	ea, eb := isEmptyValue(a), isEmptyValue(b)
	switch {
	case ea && eb:
		return 0
	case ea:
		return -1
	case eb:
		return 1
	}
	if x, ok := a.(float64); ok {
		if y, ok := b.(float64); ok {
			switch {
			case x < y:
				return -1
			case x > y:
				return 1
			}
			return 0
		}
	}
	if x, ok := a.(bool); ok {
		if y, ok := b.(bool); ok {
			switch {
			case x == y:
				return 0
			case !x:
				return -1
			}
			return 1
		}
	}
	return strings.Compare(plainString(a), plainString(b))
}

// selectOrder compares select values by option order, like the real sort.
func (s *Backend) sortRecords(ds *datasheet, recs []*record, rules []sortRule) {
	if len(rules) == 0 {
		return
	}
	sort.SliceStable(recs, func(i, j int) bool {
		for _, r := range rules {
			f := ds.fieldByID(r.fieldID)
			if f == nil {
				continue
			}
			va := s.cellValue(ds, recs[i], f, 0)
			vb := s.cellValue(ds, recs[j], f, 0)
			var c int
			if f.typ == "SingleSelect" {
				c = compareInts(optIndex(f, va), optIndex(f, vb))
			} else {
				c = compareValues(va, vb)
			}
			if c != 0 {
				if r.desc {
					return c > 0
				}
				return c < 0
			}
		}
		return false
	})
}

func optIndex(f *field, v any) int {
	s, _ := v.(string)
	if s == "" {
		return -1
	}
	for i, o := range f.options {
		if o.name == s {
			return i
		}
	}
	return len(f.options)
}

func compareInts(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
