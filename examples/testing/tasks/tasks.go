// Package tasks is a small service over an APITable datasheet of tasks,
// written to show how code that uses *apitable.Client is unit-tested with
// package apitabletest (see tasks_test.go).
//
// The datasheet needs a text field "Title", a checkbox "Done" and a date
// field "Due".
package tasks

import (
	"context"
	"fmt"
	"time"

	"github.com/apitable-go/apitable"
	"github.com/apitable-go/apitable/formula"
)

// Service manages the tasks of one datasheet.
type Service struct {
	Client      *apitable.Client
	DatasheetID string
	// Now returns the current time; time.Now when nil. Tests set it.
	Now func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Add creates a task, exactly once: if the answer to the create is lost,
// the client looks the title up and re-sends only when the task is missing.
func (s *Service) Add(ctx context.Context, title string, due time.Time) (string, error) {
	recs, err := s.Client.Records.Create(ctx, s.DatasheetID,
		[]apitable.Fields{{"Title": title, "Due": due}},
		&apitable.CreateRecordsParams{KeyFields: []string{"Title"}})
	if err != nil {
		return "", fmt.Errorf("tasks: add %q: %w", title, err)
	}
	return recs[0].ID, nil
}

// CloseOverdue marks every open task whose due date has passed as done and
// returns their titles, in row order. Running it again is harmless: updates
// by record id can be repeated, so the client retries them after a lost
// answer, and a second run finds nothing left to close.
func (s *Service) CloseOverdue(ctx context.Context) ([]string, error) {
	// The server filters; formula keeps the filter well-formed.
	filter := formula.And(
		formula.Not(formula.Field("Done")),
		formula.Not(formula.IsBlank(formula.Field("Due"))),
		formula.Field("Due").Lt(formula.Time(s.now())),
	)
	var (
		updates []apitable.RecordUpdate
		titles  []string
	)
	for rec, err := range s.Client.Records.All(ctx, s.DatasheetID, &apitable.ListRecordsParams{
		FilterByFormula: filter.String(),
		Fields:          []string{"Title"},
	}) {
		if err != nil {
			return nil, fmt.Errorf("tasks: listing overdue tasks: %w", err)
		}
		title, _ := rec.Fields.Text("Title") // "" for an untitled task
		updates = append(updates, apitable.RecordUpdate{ID: rec.ID, Fields: apitable.Fields{"Done": true}})
		titles = append(titles, title)
	}
	if len(updates) == 0 {
		return nil, nil
	}
	if _, err := s.Client.Records.Update(ctx, s.DatasheetID, updates, nil); err != nil {
		return nil, fmt.Errorf("tasks: closing %d overdue tasks: %w", len(updates), err)
	}
	return titles, nil
}
