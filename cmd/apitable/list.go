package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/apitable-go/apitable"
)

// writeJSON prints v as indented JSON.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// writeTable prints rows aligned under an upper-case header.
func writeTable(w io.Writer, header []string, rows [][]string) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	if _, err := fmt.Fprintln(tw, strings.Join(header, "\t")); err != nil {
		return err
	}
	for _, r := range rows {
		for i := range r {
			r[i] = strings.NewReplacer("\t", " ", "\n", " ", "\r", " ").Replace(r[i])
		}
		if _, err := fmt.Fprintln(tw, strings.Join(r, "\t")); err != nil {
			return err
		}
	}
	return tw.Flush()
}

func yes(b bool) string {
	if b {
		return "yes"
	}
	return ""
}

func cmdSpaces(ctx context.Context, e *env, args []string) error {
	fs := e.newFlagSet("spaces", "[-json]")
	asJSON := fs.Bool("json", false, "print JSON instead of a table")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	c, err := e.client(nil)
	if err != nil {
		return err
	}
	spaces, err := c.Spaces.List(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(e.stdout, spaces)
	}
	rows := make([][]string, len(spaces))
	for i, s := range spaces {
		rows[i] = []string{s.ID, s.Name, yes(s.IsAdmin)}
	}
	return writeTable(e.stdout, []string{"ID", "NAME", "ADMIN"}, rows)
}

func cmdNodes(ctx context.Context, e *env, args []string) error {
	fs := e.newFlagSet("nodes", "-space spc… [-folder fod…] [-search query] [-type Datasheet] [-json]")
	spaceID := fs.String("space", "", "space id (required unless -folder is given)")
	folder := fs.String("folder", "", "list the children of this folder instead of the space's root")
	search := fs.String("search", "", "search the whole space for nodes whose name contains this")
	typ := fs.String("type", "", "node type to search for: Folder, Datasheet, Form, Dashboard, Mirror, Automation (default Datasheet with -search)")
	asJSON := fs.Bool("json", false, "print JSON instead of a table")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	searching := *search != "" || *typ != ""
	switch {
	case *folder != "" && searching:
		return usagef("-folder cannot be combined with -search or -type")
	case *folder == "" && *spaceID == "":
		return usagef("-space is required")
	}
	nt := apitable.NodeType(*typ)
	if searching {
		if nt == "" {
			nt = apitable.NodeDatasheet
		}
		switch nt {
		case apitable.NodeFolder, apitable.NodeDatasheet, apitable.NodeForm, apitable.NodeDashboard, apitable.NodeMirror, apitable.NodeAutomation:
		default:
			return usagef("-type must be Folder, Datasheet, Form, Dashboard, Mirror or Automation, got %q", *typ)
		}
	}
	c, err := e.client(nil)
	if err != nil {
		return err
	}
	var nodes []apitable.Node
	switch {
	case *folder != "":
		n, err := c.Nodes.Get(ctx, *folder)
		if err != nil {
			return err
		}
		nodes = n.Children
		if nodes == nil {
			nodes = []apitable.Node{}
		}
	case searching:
		nodes, err = c.Nodes.Search(ctx, *spaceID, apitable.SearchNodesParams{Type: nt, Query: *search})
	default:
		nodes, err = c.Nodes.List(ctx, *spaceID)
	}
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(e.stdout, nodes)
	}
	header := []string{"ID", "NAME", "TYPE", "PERMISSION"}
	if searching {
		header = append(header, "PARENT")
	}
	rows := make([][]string, len(nodes))
	for i, n := range nodes {
		rows[i] = []string{n.ID, n.Name, string(n.Type), n.Permission.String()}
		if searching {
			rows[i] = append(rows[i], n.ParentID)
		}
	}
	return writeTable(e.stdout, header, rows)
}

func cmdFields(ctx context.Context, e *env, args []string) error {
	fs := e.newFlagSet("fields", "-datasheet dst… [-view viw…] [-json]")
	dst := fs.String("datasheet", "", "datasheet id (required)")
	view := fs.String("view", "", "list the fields of this view, in its column order")
	asJSON := fs.Bool("json", false, "print JSON (the API's field objects) instead of a table")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	if *dst == "" {
		return usagef("-datasheet is required")
	}
	c, err := e.client(nil)
	if err != nil {
		return err
	}
	fields, err := c.Fields.List(ctx, *dst, &apitable.ListFieldsParams{ViewID: *view})
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(e.stdout, fields)
	}
	rows := make([][]string, len(fields))
	for i, f := range fields {
		rows[i] = []string{f.ID, f.Name, string(f.Type), yes(f.IsPrimary), yes(f.Editable)}
	}
	return writeTable(e.stdout, []string{"ID", "NAME", "TYPE", "PRIMARY", "EDITABLE"}, rows)
}
