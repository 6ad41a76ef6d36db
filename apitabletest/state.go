package apitabletest

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// SaveState writes the server's whole data (spaces, members, nodes,
// datasheets with their fields, views and records, attachments, embed
// links) to w as one JSON document, for LoadState. The request log,
// faults and rate-limit windows are not part of it. The format is
// versioned and private to this package: write it with SaveState only.
func (s *Server) SaveState(w io.Writer) error { return s.api.SaveState(w) }

// LoadState replaces the server's data with a document written by
// SaveState. SpaceID then returns the first space of the document (the
// default space of the server that saved it). Call it before the server
// is used, not concurrently with SpaceID.
func (s *Server) LoadState(r io.Reader) error {
	id, err := s.api.LoadState(r)
	if err != nil {
		return err
	}
	s.defSpace = id
	return nil
}

// SaveStateFile writes SaveState's document to path atomically: to a
// temporary file in the same directory, synced, then renamed over path,
// so a crash leaves either the old or the new state, never half of one.
func (s *Server) SaveStateFile(path string) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(f.Name())
		}
	}()
	if err = s.SaveState(f); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("apitabletest: save state: %w", err)
	}
	return nil
}
