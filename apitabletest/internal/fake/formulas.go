package fake

import (
	"errors"
	"fmt"
	"time"

	"github.com/apitable-go/apitable/internal/formula"
)

// parseFilter checks a filterByFormula the way the server's
// FusionApiFilter.validateExpression does (room-server
// src/fusion/filter/fusion.api.filter.ts): a formula the parser rejects, or
// one that names an unknown field, is answered code 400 with an empty
// message (the tip's {value} template gets no argument). The wire answer
// stays the server's; the reason goes to the Notice hook (the test log, or
// the standalone fake's log), including when the formula is valid for the
// server but calls a function the fake does not evaluate.
func (s *Backend) parseFilter(ds *datasheet, src string) (formula.Expr, *apiError) {
	if src == "" {
		return nil, nil
	}
	e, err := parseFormula(src)
	if err != nil {
		var se *formula.SyntaxError
		if errors.As(err, &se) && se.Unsupported != "" {
			s.notice(fmt.Sprintf("filterByFormula %q: formula function %s is valid on the server but not evaluated by apitabletest; the fake answers code 400 as for an invalid formula", src, se.Unsupported))
		} else {
			s.notice(fmt.Sprintf("filterByFormula %q rejected (code 400, empty message, as the real server answers): %v", src, err))
		}
		return nil, errParam("")
	}
	for _, name := range formula.Fields(e) {
		if ds.fieldByName(name) == nil && ds.fieldByID(name) == nil {
			s.notice(fmt.Sprintf("filterByFormula %q rejected (code 400, empty message, as the real server answers): unknown field %s", src, formula.FieldRef(name)))
			return nil, errParam("")
		}
	}
	return e, nil
}

// formulaContext is what a formula reads besides the cells: the clock,
// the record's id and its times.
func (s *Backend) formulaContext(ds *datasheet, rec *record) formula.Context {
	now := s.cfg.Now
	if now == nil {
		now = time.Now
	}
	return formula.Context{
		Now:       now,
		RecordID:  rec.id,
		CreatedAt: rec.createdAt,
		UpdatedAt: rec.updatedAt,
		FieldUpdatedAt: func(name string) (int64, bool) {
			f := ds.fieldByName(name)
			if f == nil {
				f = ds.fieldByID(name)
			}
			if f == nil {
				return 0, false
			}
			at, ok := rec.fieldUpdated[f.id]
			return at, ok
		},
	}
}

// notice passes a line to Config.Notice, when set.
func (s *Backend) notice(msg string) {
	if s.cfg.Notice != nil {
		s.cfg.Notice(msg)
	}
}
