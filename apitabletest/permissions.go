package apitabletest

import (
	"strconv"

	"github.com/apitable-go/apitable/apitabletest/internal/fake"
)

// WithAttachmentCapacity sets each space's attachment capacity in bytes
// (default 1 GiB). An upload or a pre-signed URL request in a space whose
// stored attachments reach it answers HTTP 200, code 426 "The Space has
// reached its maximum attachment capacity" (server-behaviour.md §6.9); so does an upload that
// would go beyond it. Attachments added with AddAttachment count too.
func WithAttachmentCapacity(bytes int64) ServerOption {
	return func(c *config) { c.AttachCap = bytes }
}

// Role is the token user's permission on a node (server-behaviour.md §7.5 permission numbers),
// set with SetPermission. Every node starts as RoleManager.
//
// What each role may do in the fake (source reading of server-behaviour.md §4.2, §6.2–§6.7,
// server-behaviour.md §6.9, §0.14; rows marked UNCONFIRMED are the fake's choice where the spec
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
// PATCH/PUT by a reader: success with the records unchanged (server-behaviour.md §6.3).
// UNCONFIRMED: the updater's rights (row create/delete denied, cell edits
// and uploads allowed, following the role's "update only" meaning), the
// 601 answers for record and field writes on a node without permission,
// and RoleNone nodes still appearing in node listings (with permission -1;
// the real server probably hides them). Permissions are not inherited from
// folders.
type Role int

// Roles (server-behaviour.md §7.5 permission numbers).
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
	if !s.api.SetRole(nodeID, fake.Role(role)) {
		s.fatalf("SetPermission: unknown node %q", nodeID)
	}
}

// Attachment returns the bytes stored for an attachment token (nil for the
// tokens of pre-signed URLs) and whether the token exists.
func (s *Server) Attachment(token string) (data []byte, ok bool) { return s.api.Attachment(token) }

// AttachmentUsage returns the bytes of attachments stored in a space.
func (s *Server) AttachmentUsage(spaceID string) int64 { return s.api.AttachmentUsage(spaceID) }
