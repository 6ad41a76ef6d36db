package apitable

// NodesService is the nodes part of the API.
type NodesService struct{ c *Client }
