package apitable

// AttachmentsService is the attachments part of the API.
type AttachmentsService struct{ c *Client }
