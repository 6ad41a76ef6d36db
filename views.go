package apitable

// ViewsService is the views part of the API.
type ViewsService struct{ c *Client }
