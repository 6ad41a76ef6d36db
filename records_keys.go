package apitable

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/apitable-go/apitable/formula"
	"github.com/apitable-go/apitable/internal/batch"
)

// Records identified by key fields: exactly-once creates (CreateRecordsParams
// .KeyFields) and Upsert. The server has no unique constraint, so "the
// record with these key values" is found with a filterByFormula lookup.

const (
	// keysPerLookup bounds the OR(...) of one lookup request, keeping its
	// URL well inside the server's 8 KB request line.
	keysPerLookup = 20
	// recoveryRounds bounds how often an outcome-unknown create is looked
	// up and re-sent.
	recoveryRounds = 3
)

// keyIndex holds the canonical key of every input.
type keyIndex struct {
	fields []string
	keys   []string // canonical key per input
}

// newKeyIndex checks that every record has a writable, formula-expressible
// value for every key field and that no two records share a key.
func newKeyIndex(records []Fields, keyFields []string) (*keyIndex, error) {
	if len(keyFields) == 0 {
		return nil, invalid("KeyFields", "at least one key field is needed")
	}
	for i, k := range keyFields {
		if strings.TrimSpace(k) == "" {
			return nil, invalid(fmt.Sprintf("KeyFields[%d]", i), "empty field name")
		}
		if err := formula.Field(k).Err(); err != nil {
			return nil, invalid(fmt.Sprintf("KeyFields[%d]", i), "%v", err)
		}
	}
	ki := &keyIndex{fields: keyFields, keys: make([]string, len(records))}
	seen := make(map[string]int, len(records))
	for i, r := range records {
		for _, k := range keyFields {
			v, ok := r[k]
			if !ok {
				return nil, invalid(fmt.Sprintf("records[%d]", i), "no value for key field %q", k)
			}
			if err := formula.Value(v).Err(); err != nil {
				return nil, invalid(fmt.Sprintf("records[%d].%s", i, k), "a key field needs a text, number, boolean or time value: %v", err)
			}
		}
		key, err := canonicalKey(r, keyFields)
		if err != nil {
			return nil, prefixField(fmt.Sprintf("records[%d]", i), err)
		}
		if j, dup := seen[key]; dup {
			return nil, invalid(fmt.Sprintf("records[%d]", i), "same key values as records[%d]", j)
		}
		seen[key] = i
		ki.keys[i] = key
	}
	return ki, nil
}

// canonicalKey renders the key fields' values as the JSON the server would
// return them as, so a written value and its read-back compare equal. The
// server stores nil, "", false and [] as an empty cell and omits empty cells
// from what it returns (docs/server-behaviour.md §6.1, §8.1), so every empty
// value and an absent cell share one canonical form, null. The number 0 is
// a value, not an empty cell: it stays 0.
func canonicalKey(f Fields, keyFields []string) (string, error) {
	vals := make([]any, len(keyFields))
	for i, k := range keyFields {
		enc, err := encodeCell(f[k])
		if err != nil {
			return "", err
		}
		b, err := json.Marshal(enc)
		if err != nil {
			return "", err
		}
		var back any // through JSON: ints and floats, times and ms agree
		if err := json.Unmarshal(b, &back); err != nil {
			return "", err
		}
		if isEmptyKey(back) {
			back = nil
		}
		vals[i] = back
	}
	b, err := json.Marshal(vals)
	return string(b), err
}

// isEmptyKey reports whether a key value, as JSON decodes it, is one the
// server stores as an empty cell.
func isEmptyKey(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case bool:
		return !x
	case []any:
		return len(x) == 0
	}
	return false
}

// keyMatch is the filter for one input's key values. An empty key value
// matches an empty cell too (NOT of an empty cell is true): the lookup may
// return more than the key, never less, and canonicalKey then compares
// exactly.
func keyMatch(keyFields []string, values Fields) formula.Expr {
	conds := make([]formula.Expr, len(keyFields))
	for i, k := range keyFields {
		v := values[k]
		conds[i] = formula.Field(k).Eq(formula.Value(v))
		if v == nil || v == "" || v == false {
			conds[i] = formula.Or(conds[i], formula.Not(formula.Field(k)))
		}
	}
	if len(conds) == 1 {
		return conds[0]
	}
	return formula.And(conds...)
}

// lookup finds the existing records whose key values equal those of
// records[idx…], in batches of keysPerLookup, and returns them by key.
// When several records share a key, the first in server order wins.
func (s *RecordsService) lookup(ctx context.Context, datasheetID string, records []Fields, idx []int, ki *keyIndex, fieldKey FieldKey) (map[string]Record, error) {
	found := make(map[string]Record)
	for start := 0; start < len(idx); start += keysPerLookup {
		batch := idx[start:min(start+keysPerLookup, len(idx))]
		conds := make([]formula.Expr, len(batch))
		for j, i := range batch {
			conds[j] = keyMatch(ki.fields, records[i])
		}
		filter := formula.Or(conds...)
		if err := filter.Err(); err != nil {
			return nil, invalid("KeyFields", "%v", err)
		}
		params := &ListRecordsParams{FilterByFormula: filter.String(), FieldKey: fieldKey}
		for rec, err := range s.All(ctx, datasheetID, params) {
			if err != nil {
				return nil, fmt.Errorf("apitable: looking up records by key: %w", err)
			}
			key, err := canonicalKey(rec.Fields, ki.fields)
			if err != nil {
				continue // a value we cannot compare is not a match
			}
			if _, dup := found[key]; !dup {
				found[key] = rec
			}
		}
	}
	return found, nil
}

// recoverUnknown resolves the outcome-unknown chunks of a create by key:
// inputs found in the datasheet were applied; the others are re-sent (never
// more than once per round, for recoveryRounds rounds). rep is updated in
// place.
func (s *RecordsService) recoverUnknown(ctx context.Context, datasheetID string, records []Fields, ki *keyIndex, p CreateRecordsParams, rep *batch.Report[Record]) {
	for round := 0; round < recoveryRounds && ctx.Err() == nil && rep.Has(batch.Unknown); round++ {
		next := &batch.Report[Record]{Results: rep.Results}
		progress := false
		for _, ch := range rep.Chunks {
			if ch.Status != batch.Unknown {
				next.Chunks = append(next.Chunks, ch)
				continue
			}
			if s.resolveByKey(ctx, datasheetID, records, ki, p, ch, next) {
				progress = true
			}
		}
		next.Sort()
		*rep = *next
		if !progress {
			break
		}
	}
}

// resolveByKey looks the inputs of an outcome-unknown chunk up by key,
// re-sends those missing and adds the outcome to into. It reports whether
// the lookup succeeded.
func (s *RecordsService) resolveByKey(ctx context.Context, datasheetID string, records []Fields, ki *keyIndex, p CreateRecordsParams, ch batch.Chunk[Record], into *batch.Report[Record]) bool {
	found, err := s.lookup(ctx, datasheetID, records, ch.Inputs, ki, p.FieldKey)
	if err != nil {
		ch.Err = errors.Join(ch.Err, err)
		into.Chunks = append(into.Chunks, ch)
		return false
	}
	var applied, missing []int
	var recs []Record
	for _, i := range ch.Inputs {
		if rec, ok := found[ki.keys[i]]; ok {
			into.Results[i] = rec
			applied = append(applied, i)
			recs = append(recs, rec)
		} else {
			missing = append(missing, i)
		}
	}
	if len(applied) > 0 {
		into.Chunks = append(into.Chunks, batch.Chunk[Record]{Inputs: applied, Status: batch.Applied, Results: recs})
	}
	if len(missing) == 0 {
		return true
	}
	// Definitely absent now: re-send just those.
	sub := make([]Fields, len(missing))
	for j, i := range missing {
		sub[j] = records[i]
	}
	p2 := p
	p2.KeyFields = nil // recovery is this loop's job
	subRep, err := s.create(ctx, datasheetID, sub, &p2)
	if err != nil {
		into.Chunks = append(into.Chunks, batch.Chunk[Record]{Inputs: missing, Status: batch.Failed, Err: err})
		return true
	}
	into.Merge(missing, subRep)
	return true
}

// UpsertParams are the options of Upsert.
type UpsertParams struct {
	// FieldKey says whether the records and key fields are keyed by name
	// (default) or by field id.
	FieldKey FieldKey
}

// Upsert writes records identified by keyFields: a record whose key values
// match an existing record updates it (only the given cells change), the
// others are created. Key fields need text, number, boolean or time values
// (or nil), and no two inputs may share key values; an empty key value
// matches an empty cell (see CreateRecordsParams.KeyFields). The result has
// one entry per input in input order; on partial failure the error is a
// *BatchError over the inputs (Op "upsert"). Creates use KeyFields, so an outcome-unknown
// create is looked up and re-sent only if missing.
//
// Race semantics: the API has no unique constraint and no transaction. If
// another writer creates a record with the same key values between Upsert's
// lookup and its create, both records exist afterwards; if several records
// already share a key, the first in the datasheet's order is updated. Run
// one writer per key set (or per datasheet) where that matters.
//
// Requests: the lookups (GET with filterByFormula, 20 keys per request),
// then PATCH and POST as in Update and Create; all in the datasheet's bucket.
func (s *RecordsService) Upsert(ctx context.Context, datasheetID string, records []Fields, keyFields []string, params *UpsertParams) ([]Record, error) {
	var p UpsertParams
	if params != nil {
		p = *params
	}
	if err := checkWrite(ctx, datasheetID, "", p.FieldKey); err != nil {
		return nil, err
	}
	if len(records) == 0 {
		return []Record{}, nil
	}
	for i, f := range records {
		if _, err := encodeRecord(i, f); err != nil {
			return nil, err
		}
	}
	if err := s.c.checkWriteFields(ctx, datasheetID, p.FieldKey, records, keyFields); err != nil {
		return nil, err
	}
	ki, err := newKeyIndex(records, keyFields)
	if err != nil {
		return nil, err
	}
	all := batch.Span(0, len(records))
	existing, err := s.lookup(ctx, datasheetID, records, all, ki, p.FieldKey)
	if err != nil {
		return nil, err
	}
	var upd, crt []int
	var updates []RecordUpdate
	var creates []Fields
	for i, r := range records {
		if ex, ok := existing[ki.keys[i]]; ok {
			upd = append(upd, i)
			updates = append(updates, RecordUpdate{ID: ex.ID, Fields: r})
		} else {
			crt = append(crt, i)
			creates = append(creates, r)
		}
	}
	rep := &batch.Report[Record]{Results: make([]Record, len(records))}
	updRep, err := s.update(ctx, datasheetID, updates, &UpdateRecordsParams{FieldKey: p.FieldKey})
	if err != nil {
		return nil, err // validation: nothing was sent
	}
	rep.Merge(upd, updRep)
	crtRep, err := s.create(ctx, datasheetID, creates, &CreateRecordsParams{FieldKey: p.FieldKey, KeyFields: keyFields})
	if err != nil {
		return nil, err
	}
	rep.Merge(crt, crtRep)
	rep.Sort()
	err = batchError("upsert", datasheetID, rep, recordsOf)
	s.c.noteFieldError(datasheetID, err)
	return rep.Results, err
}
