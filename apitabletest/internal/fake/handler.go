package fake

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strings"
)

// reqState holds one request while it is handled.
type reqState struct {
	r        *http.Request
	body     []byte
	tooLarge bool
	segs     []string // path segments after /fusion/
	route    *route
	params   map[string]string
	json     any  // parsed JSON body
	hasBody  bool // a body was parsed
	isJSON   bool
	bodyText string
}

type route struct {
	method  string
	pattern []string // "{x}" captures
	v2      bool
	handle  func(s *Backend, rs *reqState) (*result, *apiError)
}

var routes = []*route{
	{method: "GET", pattern: []string{"v1", "spaces"}, handle: (*Backend).listSpaces},
	{method: "GET", pattern: []string{"v1", "spaces", "{spaceId}", "nodes"}, handle: (*Backend).listRootNodes},
	{method: "GET", pattern: []string{"v1", "spaces", "{spaceId}", "nodes", "{nodeId}"}, handle: (*Backend).nodeDetail},
	{method: "GET", pattern: []string{"v1", "nodes", "{nodeId}"}, handle: (*Backend).nodeDetail},
	{method: "GET", pattern: []string{"v1", "datasheets", "{datasheetId}", "records"}, handle: (*Backend).listRecords},
	{method: "POST", pattern: []string{"v1", "datasheets", "{datasheetId}", "records"}, handle: (*Backend).createRecords},
	{method: "PATCH", pattern: []string{"v1", "datasheets", "{datasheetId}", "records"}, handle: (*Backend).updateRecords},
	{method: "PUT", pattern: []string{"v1", "datasheets", "{datasheetId}", "records"}, handle: (*Backend).updateRecords},
	{method: "DELETE", pattern: []string{"v1", "datasheets", "{datasheetId}", "records"}, handle: (*Backend).deleteRecords},
	{method: "GET", pattern: []string{"v1", "datasheets", "{datasheetId}", "fields"}, handle: (*Backend).listFields},
	{method: "GET", pattern: []string{"v1", "datasheets", "{datasheetId}", "views"}, handle: (*Backend).listViews},
	{method: "POST", pattern: []string{"v1", "datasheets", "{datasheetId}", "attachments"}, handle: (*Backend).uploadAttachment},
	{method: "GET", pattern: []string{"v1", "datasheets", "{datasheetId}", "attachments", "presignedUrl"}, handle: (*Backend).presignedURL},
	{method: "POST", pattern: []string{"v1", "spaces", "{spaceId}", "datasheets"}, handle: (*Backend).createDatasheet},
	{method: "POST", pattern: []string{"v1", "spaces", "{spaceId}", "datasheets", "{datasheetId}", "fields"}, handle: (*Backend).createField},
	{method: "DELETE", pattern: []string{"v1", "spaces", "{spaceId}", "datasheets", "{datasheetId}", "fields", "{fieldId}"}, handle: (*Backend).deleteField},
	{method: "GET", pattern: []string{"v2", "spaces", "{spaceId}", "nodes"}, v2: true, handle: (*Backend).searchNodes},
	{method: "POST", pattern: []string{"v1", "spaces", "{spaceId}", "nodes", "{nodeId}", "embedlinks"}, handle: (*Backend).createEmbedLink},
	{method: "GET", pattern: []string{"v1", "spaces", "{spaceId}", "nodes", "{nodeId}", "embedlinks"}, handle: (*Backend).listEmbedLinks},
	{method: "DELETE", pattern: []string{"v1", "spaces", "{spaceId}", "nodes", "{nodeId}", "embedlinks", "{linkId}"}, handle: (*Backend).deleteEmbedLink},
}

func matchRoute(method string, segs []string) (*route, map[string]string) {
	for _, rt := range routes {
		if rt.method != method || len(rt.pattern) != len(segs) {
			continue
		}
		params := map[string]string{}
		ok := true
		for i, p := range rt.pattern {
			if strings.HasPrefix(p, "{") {
				if segs[i] == "" {
					ok = false
					break
				}
				params[p[1:len(p)-1]] = segs[i]
			} else if p != segs[i] {
				ok = false
				break
			}
		}
		if ok {
			return rt, params
		}
	}
	return nil, nil
}

func readLimited(body io.Reader, limit int64) ([]byte, bool) {
	if body == nil {
		return nil, false
	}
	b, _ := io.ReadAll(io.LimitReader(body, limit+1))
	if int64(len(b)) > limit {
		return nil, true
	}
	return b, false
}

// handle runs the API and writes the answer; it returns the HTTP status and
// business code for the request log.
func (s *Backend) handle(w http.ResponseWriter, r *http.Request, body []byte, tooLarge bool) (int, int) {
	res, aerr := s.dispatch(w, r, body, tooLarge)
	if res != nil && res.status == http.StatusNoContent {
		s.writeHeaders(w, "")
		w.WriteHeader(http.StatusNoContent)
		return http.StatusNoContent, 0
	}
	if aerr != nil && aerr.unanswered && s.cfg.Unanswered != nil && !s.cfg.Unanswered(w, r, aerr.messageText()) {
		return 0, 0
	}
	if aerr != nil {
		s.writeError(w, aerr)
		return aerr.status, aerr.code
	}
	s.writeSuccess(w, res)
	return res.status, 200
}

func (s *Backend) dispatch(w http.ResponseWriter, r *http.Request, body []byte, tooLarge bool) (*result, *apiError) {
	path := r.URL.Path
	if s.cfg.Prefix != "" {
		if !strings.HasPrefix(path, s.cfg.Prefix+"/") {
			return nil, errNotFound()
		}
		path = path[len(s.cfg.Prefix):]
	}
	if !strings.HasPrefix(path, "/fusion/") {
		return nil, errNotFound()
	}
	// server-behaviour.md §1: the gateway answers CORS preflights on /fusion.
	if r.Method == http.MethodOptions {
		return &result{status: http.StatusNoContent}, nil
	}
	segs := strings.Split(strings.TrimSuffix(path[len("/fusion/"):], "/"), "/")
	rt, params := matchRoute(r.Method, segs)
	if rt == nil {
		return nil, errNotFound()
	}
	rs := &reqState{r: r, body: body, tooLarge: tooLarge, segs: segs, route: rt, params: params}
	// server-behaviour.md §2: header check (middleware).
	auth := r.Header.Get("Authorization")
	if !strings.HasPrefix(auth, "Bearer ") {
		return nil, errUnauthorized()
	}
	token := auth[len("Bearer "):]
	key := limitKey(r.URL.RequestURI())
	if token != s.cfg.Token && key != "user" && !rt.v2 {
		// The rate limiter asks the backend for the space QPS, which fails
		// for an unknown token (server-behaviour.md §2).
		return nil, errUnauthorized()
	}
	// server-behaviour.md §3: rate limit, v1 only.
	if !rt.v2 && s.cfg.RatePoints > 0 {
		if aerr := s.consumePoint(key, token); aerr != nil {
			return nil, aerr
		}
	}
	// server-behaviour.md §1: body parser.
	if aerr := s.parseBody(rs); aerr != nil {
		return nil, aerr
	}
	// ApiAuthGuard.
	if token != s.cfg.Token {
		return nil, errUnauthorized()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// ApiUsageGuard: space existence and membership.
	if sid, ok := params["spaceId"]; ok {
		sp := s.st.spaces[sid]
		if sp == nil {
			return nil, errParam("Space doesn't exist, please adjust the spaceId and try again")
		}
		if !sp.member {
			return nil, errNotInSpace()
		}
	}
	if did, ok := params["datasheetId"]; ok {
		if ds := s.st.dsts[did]; ds != nil && !s.st.spaces[ds.spaceID].member {
			return nil, errNotInSpace()
		}
	}
	res, aerr := rt.handle(s, rs)
	if aerr == nil && res != nil && res.status == 0 {
		res.status = http.StatusOK
		if r.Method == http.MethodPost {
			res.status = http.StatusCreated
		}
	}
	return res, aerr
}

// parseBody mimics fastify 3's body parsing (server-behaviour.md §1).
func (s *Backend) parseBody(rs *reqState) *apiError {
	r := rs.r
	switch r.Method {
	case http.MethodPost, http.MethodPut, http.MethodPatch:
	case http.MethodDelete:
		if r.Header.Get("Content-Length") == "" && len(r.TransferEncoding) == 0 && r.ContentLength <= 0 {
			return nil
		}
	default:
		return nil
	}
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		if len(rs.body) == 0 && !rs.tooLarge {
			return nil
		}
		return &apiError{status: 415, code: 415, msg: "Unsupported Media Type: "}
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		mt = strings.ToLower(strings.TrimSpace(strings.Split(ct, ";")[0]))
	}
	switch {
	case mt == "application/json" || strings.HasSuffix(mt, "+json"):
		rs.isJSON = true
	case mt == "text/plain", mt == "application/x-www-form-urlencoded":
	case mt == "multipart/form-data":
		return nil // streamed, no body limit (server-behaviour.md §6.9)
	default:
		return &apiError{status: 415, code: 415, msg: "Unsupported Media Type: " + ct}
	}
	if rs.tooLarge {
		return &apiError{status: 413, code: 413, msg: "Request body is too large"}
	}
	if !rs.isJSON {
		rs.hasBody = len(rs.body) > 0
		rs.bodyText = string(rs.body)
		return nil
	}
	if len(bytes.TrimSpace(rs.body)) == 0 {
		if len(rs.body) == 0 {
			return &apiError{status: 400, code: 400, msg: "Body cannot be empty when content-type is set to 'application/json'"}
		}
	}
	d := json.NewDecoder(bytes.NewReader(rs.body))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return errServer(jsonErrorText(err))
	}
	if d.More() {
		return errServer("Unexpected non-whitespace character after JSON")
	}
	if _, err := d.Token(); err != io.EOF {
		return errServer("Unexpected non-whitespace character after JSON")
	}
	rs.json = numbersToFloat(v)
	rs.hasBody = true
	return nil
}
