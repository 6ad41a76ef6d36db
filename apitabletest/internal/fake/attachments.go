package fake

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
)

// Role is the token user's permission on a node (apitabletest.Role has the
// same numbers and documents what each role may do).
type Role int

// Roles (permission numbers of docs/server-behaviour.md §7.5).
const (
	RoleNone    Role = -1
	RoleManager Role = 0
	RoleEditor  Role = 1
	RoleUpdater Role = 2
	RoleReader  Role = 3
)

func (r Role) canRead() bool         { return r >= RoleManager && r <= RoleReader }
func (r Role) canEditCells() bool    { return r >= RoleManager && r <= RoleUpdater }
func (r Role) canAddRows() bool      { return r == RoleManager || r == RoleEditor }
func (r Role) canDeleteRows() bool   { return r == RoleManager || r == RoleEditor }
func (r Role) canManageFields() bool { return r == RoleManager }

// SetRole sets the token user's role on a node; it reports whether the node
// exists.
func (s *Backend) SetRole(nodeID string, role Role) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.st.nodes[nodeID]
	if n == nil {
		return false
	}
	n.role = role
	return true
}

// Attachment returns the bytes stored for an attachment token (nil for the
// tokens of pre-signed URLs) and whether the token exists.
func (s *Backend) Attachment(token string) (data []byte, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.st.assets[token]
	if a == nil {
		return nil, false
	}
	return bytes.Clone(a.data), true
}

// AttachmentUsage returns the bytes of attachments stored in a space.
func (s *Backend) AttachmentUsage(spaceID string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sp := s.st.spaces[spaceID]; sp != nil {
		return sp.used
	}
	return 0
}

// roleLocked is the token user's role on a node.
func (s *Backend) roleLocked(nodeID string) Role {
	if n := s.st.nodes[nodeID]; n != nil {
		return n.role
	}
	return RoleManager
}

// chargeAssetLocked puts a new asset in a space and counts its bytes.
func (s *Backend) chargeAssetLocked(spaceID string, a *asset, data []byte) {
	a.spaceID = spaceID
	a.data = data
	if sp := s.st.spaces[spaceID]; sp != nil {
		sp.used += int64(len(data))
	}
}

func errAccessDenied() *apiError { return &apiError{status: 200, code: 601, msg: "Access denied"} }

func errOperationDenied() *apiError {
	return &apiError{status: 200, code: 602, msg: "Operation denied"}
}

func errNodePermission() *apiError {
	return &apiError{status: 200, code: 602, msg: "No permission to operate on the node"}
}

func errCapacity() *apiError {
	return &apiError{status: 200, code: 426, msg: "The Space has reached its maximum attachment capacity"}
}

// readGuard is the read-permission check of loading a datasheet (601).
func (s *Backend) readGuard(ds *datasheet) *apiError {
	if !s.roleLocked(ds.id).canRead() {
		return errAccessDenied()
	}
	return nil
}

func isMultipart(r *http.Request) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mt == "multipart/form-data"
}

// uploadPart is a file part read from an upload.
type uploadPart struct {
	name, mime string
	data       []byte
}

var (
	errNoFilePart    = errors.New("no file part")
	errTooManyParts  = errors.New("more than one file part")
	errOverCapacity  = errors.New("over capacity")
	errUploadAborted = errors.New("upload aborted")
)

// readUpload streams a multipart body: the first file part is kept (at most
// room bytes), a second file part is an error.
func readUpload(r *http.Request, boundary string, room int64) (*uploadPart, error) {
	ctx := r.Context()
	mr := multipart.NewReader(r.Body, boundary)
	var first *uploadPart
	buf := make([]byte, 32<<10)
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %w", errUploadAborted, err)
		}
		if part.FileName() == "" {
			continue
		}
		if first != nil {
			return nil, errTooManyParts
		}
		p := &uploadPart{name: part.FileName(), mime: part.Header.Get("Content-Type")}
		var data bytes.Buffer
		for {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("%w: %w", errUploadAborted, err)
			}
			n, err := part.Read(buf)
			if int64(data.Len()+n) > room {
				return nil, errOverCapacity
			}
			data.Write(buf[:n])
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return nil, fmt.Errorf("%w: %w", errUploadAborted, err)
			}
		}
		p.data = data.Bytes()
		first = p
	}
	if first == nil {
		return nil, errNoFilePart
	}
	return first, nil
}

// uploadAttachment: POST /fusion/v1/datasheets/{datasheetId}/attachments (server-behaviour.md §6.9).
// Called with s.mu held; the lock is released while the file streams in.
func (s *Backend) uploadAttachment(rs *reqState) (*result, *apiError) {
	did := rs.params["datasheetId"]
	ds := s.st.dsts[did]
	// NodePermissionGuard runs before the datasheet guard; when the node
	// cannot be found it lets the request through (server-behaviour.md §6.9).
	if ds != nil && !s.roleLocked(did).canEditCells() {
		return nil, errNodePermission()
	}
	if ds == nil {
		return nil, errDatasheetNotFound()
	}
	spaceID := ds.spaceID
	sp := s.st.spaces[spaceID]
	if sp.used >= s.cfg.AttachCap {
		return nil, errCapacity()
	}
	mt, params, err := mime.ParseMediaType(rs.r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return nil, errParam("Attachment name can't be empty ")
	}
	room := s.cfg.AttachCap - sp.used
	s.mu.Unlock()
	part, rerr := readUpload(rs.r, params["boundary"], room)
	s.mu.Lock()
	switch {
	case errors.Is(rerr, errTooManyParts):
		return nil, &apiError{status: 200, code: 428, msg: "You have uploaded the maximum number of attachments"}
	case errors.Is(rerr, errOverCapacity):
		return nil, errCapacity()
	case errors.Is(rerr, errNoFilePart):
		// The real server never answers (server-behaviour.md §6.9).
		return nil, unanswered(errParam("Attachment name can't be empty "))
	case rerr != nil:
		// The body broke off: the backend call fails (server-behaviour.md §6.9 quirk).
		return nil, &apiError{status: http.StatusCreated, code: 500, msg: "SERVER_ERROR (1)"}
	}
	sp = s.st.spaces[spaceID]
	if sp == nil {
		return nil, errDatasheetNotFound()
	}
	if sp.used+int64(len(part.data)) > s.cfg.AttachCap {
		return nil, errCapacity()
	}
	ct := part.mime
	if ct == "" {
		ct = http.DetectContentType(part.data)
	}
	a := s.addAssetLocked(part.name, ct, part.data)
	s.chargeAssetLocked(spaceID, a, part.data)
	out := map[string]any{"token": a.token, "name": a.name, "size": a.size, "mimeType": a.mime, "url": a.url()}
	if a.width > 0 {
		out["width"], out["height"] = a.width, a.height
	}
	return &result{data: out}, nil
}

// presignedURL: GET /fusion/v1/datasheets/{datasheetId}/attachments/presignedUrl (server-behaviour.md §6.10).
func (s *Backend) presignedURL(rs *reqState) (*result, *apiError) {
	did := rs.params["datasheetId"]
	ds := s.st.dsts[did]
	if ds != nil && !s.roleLocked(did).canEditCells() {
		return nil, errNodePermission()
	}
	if ds == nil {
		return nil, errDatasheetNotFound()
	}
	count := 1
	if v, ok := rs.r.URL.Query()["count"]; ok {
		n, err := strconv.Atoi(strings.TrimSpace(v[0]))
		switch {
		case err != nil:
			return nil, errServer([]string{"count must be an integer number"})
		case n < 1:
			return nil, errServer([]string{"count must not be less than 1"})
		case n > 20:
			return nil, errServer([]string{"count must not be greater than 20"})
		}
		count = n
	}
	if sp := s.st.spaces[ds.spaceID]; sp != nil && sp.used >= s.cfg.AttachCap {
		return nil, errCapacity()
	}
	out := []any{}
	for i := 0; i < count; i++ {
		a := s.addAssetLocked("", "application/octet-stream", nil)
		s.chargeAssetLocked(ds.spaceID, a, nil)
		out = append(out, map[string]any{"token": a.token, "uploadUrl": a.url(), "uploadRequestMethod": "PUT"})
	}
	return &result{data: map[string]any{"results": out}}, nil
}
