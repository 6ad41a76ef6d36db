package apitable

// ValidateID checks an id argument the way every method of this package
// does before any I/O. It returns a *ValidationError (matching
// ErrInvalidRequest) naming field when id is empty, contains whitespace or
// control characters, or characters that would change a request's path
// ("/", "?", "#", "\", "%", ".."). Packages built on this one, such as
// package table, use it to reject bad ids as early as the methods they
// call.
func ValidateID(field, id string) error { return checkID(field, id) }
