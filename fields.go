package apitable

// FieldsService is the fields part of the API.
type FieldsService struct{ c *Client }
