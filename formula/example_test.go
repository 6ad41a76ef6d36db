package formula_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/apitable-go/apitable"
	"github.com/apitable-go/apitable/apitabletest"
	"github.com/apitable-go/apitable/formula"
)

// String writes any value as one text literal: quotes, backslashes and line
// breaks become literals of their own, so the value cannot end the string
// early and add formula syntax.
func ExampleString() {
	fmt.Println(formula.String("plain"))
	fmt.Println(formula.String(`say "hi"`))

	// A value that tries to widen the filter stays a plain comparison.
	userInput := `x") OR TRUE() OR ("`
	fmt.Println(formula.Field("Status").Eq(formula.String(userInput)))
	// Output:
	// "plain"
	// CONCATENATE("say ", '"', "hi", '"')
	// ({Status} = CONCATENATE("x", '"', ") OR TRUE() OR (", '"'))
}

// A formula built with the package, used as the filter of a list request
// (here against apitabletest, whose formula evaluator follows the server's).
func ExampleString_filter() {
	srv := apitabletest.New()
	defer srv.Close()
	ds := srv.AddDatasheet(srv.SpaceID(), apitabletest.DatasheetSpec{
		Name:    "Notes",
		Fields:  []apitabletest.FieldSpec{{Name: "Title", Type: "SingleText"}},
		Records: []map[string]any{{"Title": `He said "no"`}, {"Title": "He said no"}},
	})
	client, err := srv.NewClient()
	if err != nil {
		log.Fatal(err)
	}

	f := formula.Field("Title").Eq(formula.String(`He said "no"`))
	page, err := client.Records.List(context.Background(), ds.ID, &apitable.ListRecordsParams{FilterByFormula: f.String()})
	if err != nil {
		log.Fatal(err)
	}
	for _, rec := range page.Records {
		title, _ := rec.Fields.Text("Title")
		fmt.Println(title)
	}
	// Output: He said "no"
}

// Every operation is parenthesised: the server's precedence differs from
// the usual one. Times compare as milliseconds since the epoch, the value of
// DateTime cells.
func ExampleAnd() {
	due := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	f := formula.And(
		formula.Field("Done").Eq(formula.Bool(false)),
		formula.Field("Due").Lt(formula.Time(due)),
		formula.Or(formula.Field("Priority").Ge(formula.Int(3)), formula.IsBlank(formula.Field("Owner"))),
	)
	fmt.Println(f)
	// Output: AND(({Done} = FALSE()), ({Due} < 1735689600000), OR(({Priority} >= 3), ({Owner} = BLANK())))
}

// Match is the look-up of a record by its key fields, as Records.Upsert and
// CreateRecordsParams.KeyFields use it.
func ExampleMatch() {
	f := formula.Match([]string{"Email", "Year"}, map[string]any{
		"Email": "ann@example.com",
		"Year":  2025,
	})
	fmt.Println(f)
	// Output: AND(({Email} = "ann@example.com"), ({Year} = 2025))
}

// Mistakes do not panic: they are kept in the expression, whose text is
// then a formula the server rejects, never a different valid one.
func ExampleExpr_Err() {
	f := formula.And()
	fmt.Println(f.Err())
	fmt.Println(f)

	g := formula.Field("Score").Gt(formula.Value(struct{}{}))
	fmt.Println(g.Err() != nil)
	// Output:
	// formula: AND needs at least 1 argument(s), got 0
	// ERROR()
	// true
}
