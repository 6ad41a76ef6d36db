package apitable

// SpacesService is the spaces part of the API.
type SpacesService struct{ c *Client }
