package main

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/apitable-go/apitable"
)

// errSkip says a value leaves its cell out of the write (empty input).
var errSkip = errors.New("skip")

// writable reports whether import writes cells of f: computed fields,
// WorkDoc, Button and fields the token may not edit are left out.
func writable(f apitable.Field) bool {
	return !f.Type.ReadOnly() && f.Type != apitable.FieldNotSupport
}

// convertValue turns one input value (a CSV cell, always a string, or a
// JSON Lines value as decoded by encoding/json) into the value to write
// for a field of f's type. It returns errSkip for empty input. Strings are
// converted by the field's type (Number → float, Checkbox → bool,
// MultiSelect and links split on ",", DateTime parsed, …); JSON values are
// accepted in the API's read or write forms.
func convertValue(f apitable.Field, v any) (any, error) {
	if v == nil {
		return nil, errSkip
	}
	if s, ok := v.(string); ok {
		s = strings.TrimSpace(s)
		if s == "" {
			return nil, errSkip
		}
		return convertString(f, s)
	}
	t := f.Type.Canonical()
	switch x := v.(type) {
	case float64:
		switch {
		case isNumberType(t):
			return x, nil
		case t == apitable.FieldDateTime:
			if x != math.Trunc(x) {
				return nil, fmt.Errorf("%v is not a time in milliseconds", x)
			}
			return time.UnixMilli(int64(x)).UTC(), nil
		case t == apitable.FieldCheckbox:
			return x != 0, nil
		case isTextType(t):
			return formatNumber(x), nil
		}
	case bool:
		switch {
		case t == apitable.FieldCheckbox:
			return x, nil
		case isTextType(t):
			return strconv.FormatBool(x), nil
		}
	case map[string]any:
		return convertList(f, []any{x}, true)
	case []any:
		if len(x) == 0 {
			return nil, errSkip
		}
		return convertList(f, x, false)
	}
	return nil, fmt.Errorf("a %s field does not take %s", f.Type, describe(v))
}

func describe(v any) string {
	switch v.(type) {
	case float64:
		return "a number"
	case bool:
		return "a boolean"
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

func isNumberType(t apitable.FieldType) bool {
	switch t {
	case apitable.FieldNumber, apitable.FieldCurrency, apitable.FieldPercent, apitable.FieldRating:
		return true
	}
	return false
}

func isTextType(t apitable.FieldType) bool {
	switch t {
	case apitable.FieldSingleText, apitable.FieldText, apitable.FieldEmail, apitable.FieldPhone,
		apitable.FieldSingleSelect, apitable.FieldCascader:
		return true
	}
	return !t.Known()
}

// convertString converts a non-empty text cell.
func convertString(f apitable.Field, s string) (any, error) {
	t := f.Type.Canonical()
	switch {
	case isNumberType(t):
		n, err := strconv.ParseFloat(strings.ReplaceAll(s, ",", ""), 64)
		if err != nil || math.IsInf(n, 0) || math.IsNaN(n) {
			return nil, fmt.Errorf("%q is not a number", s)
		}
		return n, nil
	case t == apitable.FieldCheckbox:
		switch strings.ToLower(s) {
		case "true", "1", "yes", "y", "x", "✓", "✔", "checked", "on":
			return true, nil
		case "false", "0", "no", "n", "unchecked", "off":
			return false, nil
		}
		return nil, fmt.Errorf("%q is not a checkbox value (true/false)", s)
	case t == apitable.FieldMultiSelect || t.IsLink():
		parts := splitList(s)
		if len(parts) == 0 {
			return nil, errSkip
		}
		return parts, nil
	case t == apitable.FieldDateTime:
		tm, err := parseTime(s)
		if err != nil {
			return nil, err
		}
		return tm, nil
	case t == apitable.FieldMember:
		var refs []apitable.MemberRef
		for _, name := range splitList(s) {
			refs = append(refs, apitable.MemberByName(name, "Member"))
		}
		if len(refs) == 0 {
			return nil, errSkip
		}
		return refs, nil
	case t == apitable.FieldURL:
		return apitable.URL{Text: s}, nil
	case t == apitable.FieldAttachment:
		return nil, errors.New("attachments cannot be given as text (they need upload tokens; use JSON Lines)")
	}
	return s, nil
}

// timeLayouts are the accepted DateTime inputs besides milliseconds.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05",
	"2006-01-02 15:04",
	"2006-01-02",
	"2006/01/02",
}

// parseTime parses RFC 3339, a date (UTC midnight), a date and time (UTC)
// or milliseconds since the epoch.
func parseTime(s string) (time.Time, error) {
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, nil
		}
	}
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.UnixMilli(ms).UTC(), nil
	}
	return time.Time{}, fmt.Errorf("%q is not a time (want RFC 3339, YYYY-MM-DD or milliseconds)", s)
}

// convertList converts a JSON list (or one object, single) for list-valued
// fields: select options, record ids, members, attachments.
func convertList(f apitable.Field, xs []any, single bool) (any, error) {
	t := f.Type.Canonical()
	switch {
	case t == apitable.FieldMultiSelect || t.IsLink():
		out := make([]string, 0, len(xs))
		for _, x := range xs {
			s, ok := x.(string)
			if !ok {
				if m, isObj := x.(map[string]any); isObj {
					// Read form of a link: {"recordId": …}.
					s, ok = m["recordId"].(string)
				}
			}
			if !ok || s == "" {
				return nil, fmt.Errorf("a %s field takes a list of strings, got %s", f.Type, describe(x))
			}
			out = append(out, s)
		}
		return out, nil
	case t == apitable.FieldMember:
		out := make([]apitable.MemberRef, 0, len(xs))
		for _, x := range xs {
			switch m := x.(type) {
			case string:
				out = append(out, apitable.MemberByName(m, "Member"))
			case map[string]any:
				str := func(k string) string { s, _ := m[k].(string); return s }
				switch {
				case str("id") != "":
					out = append(out, apitable.MemberByID(str("id")))
				case str("unitId") != "":
					out = append(out, apitable.MemberByUnitID(str("unitId")))
				case str("name") != "":
					typ := str("type")
					if typ == "" {
						typ = "Member"
					}
					out = append(out, apitable.MemberByName(str("name"), typ))
				default:
					return nil, errors.New("a member needs an id, unitId or name")
				}
			default:
				return nil, fmt.Errorf("a Member field takes members, got %s", describe(x))
			}
		}
		return out, nil
	case t == apitable.FieldAttachment:
		out := make([]apitable.Attachment, 0, len(xs))
		for _, x := range xs {
			m, ok := x.(map[string]any)
			tok, _ := m["token"].(string)
			name, _ := m["name"].(string)
			if !ok || tok == "" || name == "" {
				return nil, errors.New("an attachment needs a token and a name")
			}
			out = append(out, apitable.Attachment{Token: tok, Name: name})
		}
		return out, nil
	case t == apitable.FieldURL && single:
		m := xs[0].(map[string]any)
		text, _ := m["text"].(string)
		title, _ := m["title"].(string)
		if text == "" {
			return nil, errors.New("a URL needs a text")
		}
		return apitable.URL{Text: text, Title: title}, nil
	}
	kind := "a list"
	if single {
		kind = "an object"
	}
	return nil, fmt.Errorf("a %s field does not take %s", f.Type, kind)
}
