package main

import (
	"bytes"
	"context"
	"fmt"
	"go/format"
	"go/token"
	"os"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"github.com/apitable-go/apitable"
)

func cmdGen(ctx context.Context, e *env, args []string) error {
	fs := e.newFlagSet("gen", "-datasheet dst… -package name [-type Name] [-omitempty] [-o file.go]")
	dst := fs.String("datasheet", "", "datasheet id (required)")
	pkg := fs.String("package", "", "Go package name of the generated file (required)")
	typ := fs.String("type", "", "Go type name (default: from the datasheet's name)")
	omit := fs.Bool("omitempty", false, "tag writable fields ,omitempty (Update then leaves empty values' cells alone)")
	out := fs.String("o", "", "output file (default stdout)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	switch {
	case *dst == "":
		return usagef("-datasheet is required")
	case *pkg == "":
		return usagef("-package is required")
	case !token.IsIdentifier(*pkg) || *pkg == "_":
		return usagef("-package %q is not a valid package name", *pkg)
	case *typ != "" && (!token.IsIdentifier(*typ) || !token.IsExported(*typ)):
		return usagef("-type %q is not an exported Go identifier", *typ)
	}
	c, err := e.client(nil)
	if err != nil {
		return err
	}
	fields, err := c.Fields.List(ctx, *dst, nil)
	if err != nil {
		return err
	}
	name := ""
	if n, err := c.Nodes.Get(ctx, *dst); err == nil {
		name = n.Name
	} else if ctx.Err() != nil {
		return err
	}
	typeName := *typ
	if typeName == "" {
		typeName = goIdent(name, "Record")
	}
	cmdline := []string{"apitable", "gen", "-datasheet", *dst, "-package", *pkg}
	if *typ != "" {
		cmdline = append(cmdline, "-type", *typ)
	}
	if *omit {
		cmdline = append(cmdline, "-omitempty")
	}
	src, err := generate(genInput{
		Command: strings.Join(cmdline, " "), Package: *pkg, Type: typeName,
		DatasheetID: *dst, DatasheetName: name, Fields: fields, OmitEmpty: *omit,
	})
	if err != nil {
		return err
	}
	if *out == "" || *out == "-" {
		_, err = e.stdout.Write(src)
		return err
	}
	return os.WriteFile(*out, src, 0o644) //nolint:gosec // G306: a generated Go source file, readable like the rest of the user's source tree
}

type genInput struct {
	Command       string
	Package       string
	Type          string
	DatasheetID   string
	DatasheetName string
	Fields        []apitable.Field
	OmitEmpty     bool
}

// goType returns the Go type of a field's cells (as TableOf reads them)
// and whether the field is read-only.
func goType(f apitable.Field) (typ string, readonly bool) {
	readonly = f.Type.ReadOnly() || f.Type == apitable.FieldNotSupport
	switch f.Type.Canonical() {
	case apitable.FieldSingleText, apitable.FieldText, apitable.FieldEmail, apitable.FieldPhone,
		apitable.FieldSingleSelect, apitable.FieldCascader:
		return "string", readonly
	case apitable.FieldNumber, apitable.FieldCurrency, apitable.FieldPercent, apitable.FieldRating:
		return "float64", readonly
	case apitable.FieldAutoNumber:
		return "int64", readonly
	case apitable.FieldCheckbox:
		return "bool", readonly
	case apitable.FieldDateTime, apitable.FieldCreatedTime, apitable.FieldLastModifiedTime:
		return "time.Time", readonly
	case apitable.FieldMultiSelect, apitable.FieldTwoWayLink, apitable.FieldOneWayLink:
		return "[]string", readonly
	case apitable.FieldAttachment:
		return "[]apitable.Attachment", readonly
	case apitable.FieldMember:
		return "[]apitable.Member", readonly
	case apitable.FieldURL:
		return "apitable.URL", readonly
	case apitable.FieldCreatedBy, apitable.FieldLastModifiedBy:
		return "apitable.User", readonly
	case apitable.FieldWorkDoc:
		return "[]apitable.WorkDoc", readonly
	case apitable.FieldMagicLookUp:
		switch valueType(f) {
		case "Number", "Boolean", "DateTime":
			return "[]any", readonly
		}
		return "[]string", readonly
	case apitable.FieldFormula:
		switch valueType(f) {
		case "String":
			return "string", readonly
		case "Number":
			return "float64", readonly
		case "Boolean":
			return "bool", readonly
		case "DateTime":
			return "time.Time", readonly
		case "Array":
			return "[]string", readonly
		}
	}
	return "any", readonly
}

// reservedNames are taken by the embedded apitable.RecordMeta.
var reservedNames = map[string]bool{"RecordMeta": true, "ID": true, "CreatedAt": true, "UpdatedAt": true}

var fieldIDShape = regexp.MustCompile(`^fld[0-9A-Za-z]{10}$`)

// tagKey is what the tag names the field by: its name, or "name=…" when
// the name could be read as an id or an explicit form, or its id when the
// name ends in something the tag parser would take for an option.
func tagKey(f apitable.Field) string {
	n := f.Name
	if i := strings.LastIndexByte(n, ','); i >= 0 {
		switch strings.TrimSpace(n[i+1:]) {
		case "omitempty", "readonly", "recordid", "createdat", "updatedat", "":
			return f.ID
		}
	}
	if strings.ContainsAny(n, "\"`") || n == "-" || fieldIDShape.MatchString(n) ||
		strings.HasPrefix(n, "id=") || strings.HasPrefix(n, "name=") {
		if strings.ContainsAny(n, "\"`") {
			return f.ID
		}
		return "name=" + n
	}
	return n
}

// generate renders the Go source for a datasheet's fields, gofmt'ed.
func generate(in genInput) ([]byte, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "// Code generated by %q; DO NOT EDIT.\n\n", in.Command)
	desc := in.DatasheetID
	if in.DatasheetName != "" {
		desc = fmt.Sprintf("%s (%s)", strconv.Quote(in.DatasheetName), in.DatasheetID)
	}
	b.WriteString(wrapComment("This file was generated from the fields of datasheet "+desc+
		", as listed by the Fusion API (Fields.List). Regenerate it with the command above"+
		" after the datasheet's fields change; Table.Check reports drift.", ""))
	b.WriteString("\n")
	fmt.Fprintf(&b, "package %s\n\n", in.Package)

	type line struct{ comment, name, typ, tag string }
	var lines []line
	used := map[string]bool{in.Type: true}
	needTime := false
	for _, f := range in.Fields {
		typ, ro := goType(f)
		if strings.Contains(typ, "time.") {
			needTime = true
		}
		name := goIdent(f.Name, "Field")
		if reservedNames[name] {
			name += "Field"
		}
		base := name
		for i := 2; used[name]; i++ {
			name = base + strconv.Itoa(i)
		}
		used[name] = true
		var opts []string
		if ro {
			opts = append(opts, "readonly")
		} else if in.OmitEmpty {
			opts = append(opts, "omitempty")
		}
		tagVal := tagKey(f)
		if len(opts) > 0 {
			tagVal += "," + strings.Join(opts, ",")
		}
		tag := "apitable:" + strconv.Quote(tagVal)
		if strings.Contains(tag, "`") {
			tag = strconv.Quote(tag)
		} else {
			tag = "`" + tag + "`"
		}
		var notes []string
		notes = append(notes, string(f.Type)+" field "+f.ID)
		if vt := valueType(f); vt != "" {
			notes = append(notes, "value type "+vt)
		}
		if f.IsPrimary {
			notes = append(notes, "primary")
		}
		if ro {
			notes = append(notes, "read-only")
		}
		comment := fmt.Sprintf("%s is %s: %s.", name, strconv.Quote(f.Name), strings.Join(notes, ", "))
		if d := strings.TrimSpace(f.Desc); d != "" {
			comment += " " + strings.Join(strings.Fields(d), " ")
		}
		lines = append(lines, line{comment: comment, name: name, typ: typ, tag: tag})
	}
	if needTime {
		b.WriteString("import (\n\t\"time\"\n\n\t\"github.com/apitable-go/apitable\"\n)\n\n")
	} else {
		b.WriteString("import \"github.com/apitable-go/apitable\"\n\n")
	}
	fmt.Fprintf(&b, "// %sDatasheetID is the id of the datasheet %s was generated from.\n", in.Type, in.Type)
	fmt.Fprintf(&b, "const %sDatasheetID = %s\n\n", in.Type, strconv.Quote(in.DatasheetID))
	b.WriteString(wrapComment(fmt.Sprintf("%s is one record of datasheet %s. Use it with apitable.TableOf[%s](client, %sDatasheetID).",
		in.Type, desc, in.Type, in.Type), ""))
	fmt.Fprintf(&b, "type %s struct {\n\tapitable.RecordMeta\n", in.Type)
	for _, l := range lines {
		fmt.Fprintf(&b, "\n%s\t%s %s %s\n", wrapComment(l.comment, "\t"), l.name, l.typ, l.tag)
	}
	b.WriteString("}\n")
	src, err := format.Source(b.Bytes())
	if err != nil {
		return nil, fmt.Errorf("formatting the generated code: %w\n%s", err, b.Bytes())
	}
	return src, nil
}

// commonInitialisms are written upper-case in Go names.
var commonInitialisms = map[string]bool{
	"API": true, "ASCII": true, "CPU": true, "CSS": true, "CSV": true, "DNS": true, "EOF": true,
	"GUID": true, "HTML": true, "HTTP": true, "HTTPS": true, "ID": true, "IP": true, "JSON": true,
	"PDF": true, "QPS": true, "SKU": true, "SQL": true, "SSH": true, "TLS": true, "TTL": true,
	"UI": true, "URI": true, "URL": true, "UTC": true, "UUID": true, "VAT": true, "XML": true,
}

// goIdent derives an exported Go identifier from a field or datasheet
// name: words (runs of letters and digits) are capitalised and joined,
// known initialisms upper-cased; a name that would not start with an
// upper-case letter gets an "F" in front; an empty result is def.
func goIdent(name, def string) string {
	var words []string
	var cur []rune
	for _, r := range name {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			cur = append(cur, r)
			continue
		}
		if len(cur) > 0 {
			words = append(words, string(cur))
			cur = nil
		}
	}
	if len(cur) > 0 {
		words = append(words, string(cur))
	}
	var b strings.Builder
	for _, w := range words {
		if up := strings.ToUpper(w); commonInitialisms[up] {
			b.WriteString(up)
			continue
		}
		rs := []rune(w)
		rs[0] = unicode.ToUpper(rs[0])
		b.WriteString(string(rs))
	}
	id := b.String()
	if id == "" {
		return def
	}
	if first := []rune(id)[0]; !unicode.IsUpper(first) {
		id = "F" + id
	}
	if !token.IsIdentifier(id) {
		return def
	}
	return id
}

// wrapComment renders text as // comment lines of at most about 76
// columns, each line prefixed by indent.
func wrapComment(text, indent string) string {
	var b strings.Builder
	line := ""
	for _, w := range strings.Fields(text) {
		if line != "" && len(line)+1+len(w) > 74 {
			b.WriteString(indent + "// " + line + "\n")
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	if line != "" {
		b.WriteString(indent + "// " + line + "\n")
	}
	return b.String()
}
