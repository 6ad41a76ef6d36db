package apitable

// DatasheetsService is the datasheets part of the API.
type DatasheetsService struct{ c *Client }
