package apitabletest

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

// WithAttachmentCapacity sets each space's attachment capacity in bytes
// (default 1 GiB). An upload or a pre-signed URL request in a space whose
// stored attachments reach it answers HTTP 200, code 426 "The Space has
// reached its maximum attachment capacity" (§6.9); so does an upload that
// would go beyond it. Attachments added with AddAttachment count too.
func WithAttachmentCapacity(bytes int64) ServerOption {
	return func(c *config) { c.attachCap = bytes }
}

// Role is the token user's permission on a node (§7.5 permission numbers),
// set with SetPermission. Every node starts as RoleManager.
//
// What each role may do in the fake (source reading of §4.2, §6.2–§6.7,
// §6.9, §0.14; rows marked UNCONFIRMED are the fake's choice where the spec
// is silent):
//
//	operation                         Manager Editor Updater Reader None
//	list records, list fields          yes     yes    yes     yes    601
//	create records (POST)              yes     yes    602     602    601
//	update records (PATCH/PUT)         yes     yes    yes     no-op  601
//	delete records                     yes     yes    602     602    601
//	create/delete field                yes     602    602     602    601
//	upload attachment, presigned URL   yes     yes    yes     602    602
//	list views, node listing/detail    yes     yes    yes     yes    yes
//
// 601 is "Access denied"; 602 is "Operation denied" for record and field
// writes (the OT layer) and "No permission to operate on the node" for the
// attachment routes (the "editable" guard); all with HTTP 200. "no-op" is a
// PATCH/PUT by a reader: success with the records unchanged (§6.3).
// UNCONFIRMED: the updater's rights (row create/delete denied, cell edits
// and uploads allowed, following the role's "update only" meaning), the
// 601 answers for record and field writes on a node without permission,
// and RoleNone nodes still appearing in node listings (with permission -1;
// the real server probably hides them). Permissions are not inherited from
// folders.
type Role int

// Roles (§7.5 permission numbers).
const (
	RoleNone    Role = -1 // no permission: reads fail with 601
	RoleManager Role = 0  // manager or owner: everything
	RoleEditor  Role = 1  // edit cells, create and delete rows
	RoleUpdater Role = 2  // edit cells only
	RoleReader  Role = 3  // read only
)

func (r Role) String() string {
	switch r {
	case RoleNone:
		return "none"
	case RoleManager:
		return "manager"
	case RoleEditor:
		return "editor"
	case RoleUpdater:
		return "updater"
	case RoleReader:
		return "reader"
	}
	return "Role(" + strconv.Itoa(int(r)) + ")"
}

func (r Role) canRead() bool         { return r >= RoleManager && r <= RoleReader }
func (r Role) canEditCells() bool    { return r >= RoleManager && r <= RoleUpdater }
func (r Role) canAddRows() bool      { return r == RoleManager || r == RoleEditor }
func (r Role) canDeleteRows() bool   { return r == RoleManager || r == RoleEditor }
func (r Role) canManageFields() bool { return r == RoleManager }

// SetPermission sets the token user's role on a node (a datasheet, folder
// …). Node objects report it as their permission number. An unknown node or
// role fails the test.
func (s *Server) SetPermission(nodeID string, role Role) {
	if s.tb != nil {
		s.tb.Helper()
	}
	if role < RoleNone || role > RoleReader {
		s.fatalf("SetPermission: unknown role %d", int(role))
		return
	}
	s.mu.Lock()
	n := s.st.nodes[nodeID]
	if n != nil {
		n.role = role
	}
	s.mu.Unlock()
	if n == nil {
		s.fatalf("SetPermission: unknown node %q", nodeID)
	}
}

// Attachment returns the bytes stored for an attachment token (nil for the
// tokens of pre-signed URLs) and whether the token exists.
func (s *Server) Attachment(token string) (data []byte, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.st.assets[token]
	if a == nil {
		return nil, false
	}
	return bytes.Clone(a.data), true
}

// AttachmentUsage returns the bytes of attachments stored in a space.
func (s *Server) AttachmentUsage(spaceID string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sp := s.st.spaces[spaceID]; sp != nil {
		return sp.used
	}
	return 0
}

// roleLocked is the token user's role on a node.
func (s *Server) roleLocked(nodeID string) Role {
	if n := s.st.nodes[nodeID]; n != nil {
		return n.role
	}
	return RoleManager
}

// chargeAssetLocked puts a new asset in a space and counts its bytes.
func (s *Server) chargeAssetLocked(spaceID string, a *asset, data []byte) {
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
func (s *Server) readGuard(ds *datasheet) *apiError {
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

// uploadAttachment: POST /fusion/v1/datasheets/{datasheetId}/attachments (§6.9).
// Called with s.mu held; the lock is released while the file streams in.
func (s *Server) uploadAttachment(rs *reqState) (*result, *apiError) {
	did := rs.params["datasheetId"]
	ds := s.st.dsts[did]
	// NodePermissionGuard runs before the datasheet guard; when the node
	// cannot be found it lets the request through (§6.9).
	if ds != nil && !s.roleLocked(did).canEditCells() {
		return nil, errNodePermission()
	}
	if ds == nil {
		return nil, errDatasheetNotFound()
	}
	spaceID := ds.spaceID
	sp := s.st.spaces[spaceID]
	if sp.used >= s.cfg.attachCap {
		return nil, errCapacity()
	}
	mt, params, err := mime.ParseMediaType(rs.r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return nil, errParam("Attachment name can't be empty ")
	}
	room := s.cfg.attachCap - sp.used
	s.mu.Unlock()
	part, rerr := readUpload(rs.r, params["boundary"], room)
	s.mu.Lock()
	switch {
	case errors.Is(rerr, errTooManyParts):
		return nil, &apiError{status: 200, code: 428, msg: "You have uploaded the maximum number of attachments"}
	case errors.Is(rerr, errOverCapacity):
		return nil, errCapacity()
	case errors.Is(rerr, errNoFilePart):
		// The real server never answers (§6.9).
		return nil, errParam("Attachment name can't be empty ")
	case rerr != nil:
		// The body broke off: the backend call fails (§6.9 quirk).
		return nil, &apiError{status: http.StatusCreated, code: 500, msg: "SERVER_ERROR (1)"}
	}
	sp = s.st.spaces[spaceID]
	if sp == nil {
		return nil, errDatasheetNotFound()
	}
	if sp.used+int64(len(part.data)) > s.cfg.attachCap {
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

// presignedURL: GET /fusion/v1/datasheets/{datasheetId}/attachments/presignedUrl (§6.10).
func (s *Server) presignedURL(rs *reqState) (*result, *apiError) {
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
	if sp := s.st.spaces[ds.spaceID]; sp != nil && sp.used >= s.cfg.attachCap {
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
