package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"

	"github.com/apitable-go/apitable/apitabletest"
)

// seedFile is the -seed document:
//
//	{
//	  "spaces": [
//	    {
//	      "name": "Fixtures",
//	      "members": ["Ann"],            // member units; Member cells take {"name": "Ann", "type": "Member"}
//	      "teams": ["Design"],
//	      "folders": ["Projects"],       // folders at the space's root
//	      "datasheets": [
//	        {
//	          "name": "Tasks",
//	          "folder": "Projects",      // optional: a folder of this space
//	          "fields": [{"name": "Title", "type": "SingleText"},
//	                     {"name": "Done", "type": "Checkbox", "property": {"icon": "white_check_mark"}}],
//	          "views": [{"name": "Grid view", "filter": "", "sort": [{"field": "Title", "desc": false}], "hidden": []}],
//	          "records": [{"Title": "Write the spec", "Done": true}]
//	        }
//	      ]
//	    }
//	  ]
//	}
//
// A datasheet is apitabletest.DatasheetSpec in JSON (keys match its field
// names case-insensitively: name, fields[name, type, property, desc],
// views[name, type, filter, sort[field, desc], hidden], records), plus
// "folder" (cmd/apitable-fake/testdata/seed-example.json is a tested
// example). Records are keyed by field name in the API's write format. A
// link field's property "foreignDatasheetId" may name a datasheet defined
// earlier in the same space. The first space is the server's default space
// (SpaceID); unknown keys are an error.
type seedFile struct {
	Spaces []seedSpace `json:"spaces"`
}

type seedSpace struct {
	Name       string          `json:"name"`
	Members    []string        `json:"members"`
	Teams      []string        `json:"teams"`
	Folders    []string        `json:"folders"`
	Datasheets []seedDatasheet `json:"datasheets"`
}

type seedDatasheet struct {
	apitabletest.DatasheetSpec
	Folder string `json:"folder"`
}

// seededSpace is what the -json line reports of a seeded space.
type seededSpace struct {
	Name       string            `json:"name"`
	ID         string            `json:"id"`
	Datasheets []seededDatasheet `json:"datasheets"`
}

type seededDatasheet struct {
	Name      string            `json:"name"`
	ID        string            `json:"id"`
	FieldIDs  map[string]string `json:"fieldIds"`
	ViewIDs   []string          `json:"viewIds"`
	RecordIDs []string          `json:"recordIds"`
}

func readSeedFile(path string) (*seedFile, error) {
	raw, err := os.ReadFile(path) //nolint:gosec // G304: the -seed file the user names
	if err != nil {
		return nil, err
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.DisallowUnknownFields()
	var f seedFile
	if err := d.Decode(&f); err != nil {
		return nil, fmt.Errorf("seed %s: %w", path, err)
	}
	if len(f.Spaces) == 0 {
		return nil, fmt.Errorf("seed %s: no spaces", path)
	}
	return &f, nil
}

// seedFromFile adds the document's spaces to s: the first is s's default
// space (s must have been made WithDefaultSpaceName of its name).
func seedFromFile(s *apitabletest.Server, f *seedFile) ([]seededSpace, error) {
	var out []seededSpace
	for i, sp := range f.Spaces {
		id := s.SpaceID()
		if i > 0 {
			id = s.AddSpace(sp.Name)
		}
		got, err := seedSpaceFrom(s, id, sp)
		if err != nil {
			return nil, fmt.Errorf("seed space %q: %w", sp.Name, err)
		}
		out = append(out, got)
	}
	return out, nil
}

func seedSpaceFrom(s *apitabletest.Server, id string, sp seedSpace) (seededSpace, error) {
	out := seededSpace{Name: sp.Name, ID: id, Datasheets: []seededDatasheet{}}
	for _, m := range sp.Members {
		s.AddMember(id, m)
	}
	for _, t := range sp.Teams {
		s.AddTeam(id, t)
	}
	folders := map[string]string{}
	for _, name := range sp.Folders {
		folders[name] = s.AddFolder(id, name)
	}
	sheets := map[string]string{}
	for _, d := range sp.Datasheets {
		spec := d.DatasheetSpec
		if d.Folder != "" {
			if spec.FolderID = folders[d.Folder]; spec.FolderID == "" {
				return out, fmt.Errorf("datasheet %q: unknown folder %q", d.Name, d.Folder)
			}
		}
		for _, fs := range spec.Fields {
			if fd, ok := fs.Property["foreignDatasheetId"].(string); ok && sheets[fd] != "" {
				fs.Property["foreignDatasheetId"] = sheets[fd]
			}
		}
		ds, err := s.SeedDatasheet(id, spec)
		if err != nil {
			return out, fmt.Errorf("datasheet %q: %w", d.Name, err)
		}
		sheets[d.Name] = ds.ID
		out.Datasheets = append(out.Datasheets, seededDatasheet{Name: d.Name, ID: ds.ID, FieldIDs: ds.FieldIDs, ViewIDs: ds.ViewIDs, RecordIDs: ds.RecordIDs})
	}
	return out, nil
}
