package apitable

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/apitable-go/apitable/formula"
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
			if !ok || v == nil {
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
// return them as, so a written value and its read-back compare equal.
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
		vals[i] = back
	}
	b, err := json.Marshal(vals)
	return string(b), err
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
			conds[j] = formula.Match(ki.fields, records[i])
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
// more than once per round, for recoveryRounds rounds).
func (s *RecordsService) recoverUnknown(ctx context.Context, datasheetID string, records []Fields, ki *keyIndex, p CreateRecordsParams, results []Record, be *BatchError) ([]Record, error) {
	for round := 0; round < recoveryRounds && ctx.Err() == nil; round++ {
		var chunks []ChunkResult
		progress := false
		for _, ch := range be.Chunks {
			if ch.Status != ChunkOutcomeUnknown {
				chunks = append(chunks, ch)
				continue
			}
			found, err := s.lookup(ctx, datasheetID, records, ch.Inputs, ki, p.FieldKey)
			if err != nil {
				ch.Err = errors.Join(ch.Err, err)
				chunks = append(chunks, ch)
				continue
			}
			progress = true
			var applied, missing []int
			for _, i := range ch.Inputs {
				if rec, ok := found[ki.keys[i]]; ok {
					results[i] = rec
					applied = append(applied, i)
				} else {
					missing = append(missing, i)
				}
			}
			if len(applied) > 0 {
				recs := make([]Record, len(applied))
				for j, i := range applied {
					recs[j] = results[i]
				}
				chunks = append(chunks, ChunkResult{Inputs: applied, Status: ChunkApplied, Records: recs})
			}
			if len(missing) == 0 {
				continue
			}
			// Definitely absent now: re-send just those.
			sub := make([]Fields, len(missing))
			for j, i := range missing {
				sub[j] = records[i]
			}
			p2 := p
			p2.KeyFields = nil // recovery is this loop's job
			out, err := s.Create(ctx, datasheetID, sub, &p2)
			if err := mergeSubset(missing, out, err, results, &chunks); err != nil {
				chunks = append(chunks, ChunkResult{Inputs: missing, Status: ChunkFailed, Err: err})
			}
		}
		be.Chunks = renumber(chunks)
		if !progress || !slices.ContainsFunc(be.Chunks, func(c ChunkResult) bool { return c.Status == ChunkOutcomeUnknown }) {
			break
		}
	}
	if slices.ContainsFunc(be.Chunks, func(c ChunkResult) bool { return c.Status != ChunkApplied }) {
		return results, be
	}
	return results, nil
}

// mergeSubset folds the outcome of a write over some of the inputs (idx[j]
// is the input index of the write's j-th record) into results and chunks,
// with chunk inputs mapped back to input indices. An error that is not a
// *BatchError (the write failed before sending) is returned unchanged.
func mergeSubset(idx []int, out []Record, err error, results []Record, chunks *[]ChunkResult) error {
	var be *BatchError
	switch {
	case err == nil:
		for j, i := range idx {
			results[i] = out[j]
		}
		if len(idx) > 0 {
			*chunks = append(*chunks, ChunkResult{Inputs: idx, Status: ChunkApplied, Records: out})
		}
	case errors.As(err, &be):
		for _, c := range be.Chunks {
			mapped := make([]int, len(c.Inputs))
			for j, k := range c.Inputs {
				mapped[j] = idx[k]
				if c.Status == ChunkApplied {
					results[idx[k]] = out[k]
				}
			}
			c.Inputs, c.Start, c.End = mapped, 0, 0
			*chunks = append(*chunks, c)
		}
	default:
		return err
	}
	return nil
}

func renumber(chunks []ChunkResult) []ChunkResult {
	slices.SortStableFunc(chunks, func(a, b ChunkResult) int { return firstInput(a) - firstInput(b) })
	for i := range chunks {
		chunks[i].Index = i
	}
	return chunks
}

func firstInput(c ChunkResult) int {
	if len(c.Inputs) == 0 {
		return 0
	}
	return c.Inputs[0]
}

// UpsertParams are the options of Upsert.
type UpsertParams struct {
	// FieldKey says whether the records and key fields are keyed by name
	// (default) or by field id.
	FieldKey FieldKey
}

// Upsert writes records identified by keyFields: a record whose key values
// match an existing record updates it (only the given cells change), the
// others are created. Key fields need text, number, boolean or time values,
// and no two inputs may share key values. The result has one entry per
// input in input order; on partial failure the error is a *BatchError over
// the inputs (Op "upsert"). Creates use KeyFields, so an outcome-unknown
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
	if ctx == nil {
		return nil, invalid("ctx", "nil context")
	}
	if err := checkID("datasheetID", datasheetID); err != nil {
		return nil, err
	}
	var p UpsertParams
	if params != nil {
		p = *params
	}
	if err := checkFieldKey(p.FieldKey); err != nil {
		return nil, err
	}
	if len(records) == 0 {
		return []Record{}, nil
	}
	for i, f := range records {
		if len(f) == 0 {
			return nil, invalid(fmt.Sprintf("records[%d]", i), "no fields: the server rejects a record without cells")
		}
		if _, err := encodeFields(f); err != nil {
			return nil, prefixField(fmt.Sprintf("records[%d]", i), err)
		}
	}
	ki, err := newKeyIndex(records, keyFields)
	if err != nil {
		return nil, err
	}
	all := span(0, len(records))
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
	results := make([]Record, len(records))
	var chunks []ChunkResult
	out, err := s.Update(ctx, datasheetID, updates, &UpdateRecordsParams{FieldKey: p.FieldKey})
	if err := mergeSubset(upd, out, err, results, &chunks); err != nil {
		return nil, err // validation: nothing was sent
	}
	out, err = s.Create(ctx, datasheetID, creates, &CreateRecordsParams{FieldKey: p.FieldKey, KeyFields: keyFields})
	if err := mergeSubset(crt, out, err, results, &chunks); err != nil {
		return nil, err
	}
	if slices.ContainsFunc(chunks, func(c ChunkResult) bool { return c.Status != ChunkApplied }) {
		return results, &BatchError{Op: "upsert", DatasheetID: datasheetID, Chunks: renumber(chunks)}
	}
	return results, nil
}
