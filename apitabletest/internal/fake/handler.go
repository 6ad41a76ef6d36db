package fake

import (
	"bytes"
	"crypto/sha1" //nolint:gosec // the server keys its rate limiter by sha1(token); not used for security
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// apiError is an error answer: HTTP status, business code and message
// (a string, or []string for the DTO array form of §4.1).
type apiError struct {
	status, code int
	msg          any
}

func (e *apiError) messageText() string {
	switch m := e.msg.(type) {
	case string:
		return m
	case []string:
		return strings.Join(m, "; ")
	}
	return fmt.Sprint(e.msg)
}

// errParam is the usual HTTP 200 / code 400 answer (§4.3).
func errParam(msg string) *apiError { return &apiError{status: 200, code: 400, msg: msg} }

func errServer(msg any) *apiError { return &apiError{status: 500, code: 500, msg: msg} }

// dtoFailure is one DTO validation failure (§4.1): the tip id sent in the
// array form and the English text sent when it is the only failure.
type dtoFailure struct {
	id, text string
	nested   bool
}

// dtoError turns the collected DTO failures into the fake's answer: a lone
// top-level failure gives HTTP 200 / code 400 with the tip text (recommended
// deviation, §4.1 case 1); anything else HTTP 500 / code 500 with the raw
// ids as an array (§4.1 case 2).
func dtoError(fs []dtoFailure) *apiError {
	if len(fs) == 0 {
		return nil
	}
	if len(fs) == 1 && !fs[0].nested {
		return errParam(fs[0].text)
	}
	ids := make([]string, len(fs))
	for i, f := range fs {
		ids[i] = f.id
	}
	return errServer(ids)
}

// result is a success answer.
type result struct {
	status int
	data   any // nil: no data key
}

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
	// §1: the gateway answers CORS preflights on /fusion.
	if r.Method == http.MethodOptions {
		return &result{status: http.StatusNoContent}, nil
	}
	segs := strings.Split(strings.TrimSuffix(path[len("/fusion/"):], "/"), "/")
	rt, params := matchRoute(r.Method, segs)
	if rt == nil {
		return nil, errNotFound()
	}
	rs := &reqState{r: r, body: body, tooLarge: tooLarge, segs: segs, route: rt, params: params}
	// §2: header check (middleware).
	auth := r.Header.Get("Authorization")
	if !strings.HasPrefix(auth, "Bearer ") {
		return nil, errUnauthorized()
	}
	token := auth[len("Bearer "):]
	key := limitKey(r.URL.RequestURI())
	if token != s.cfg.Token && key != "user" && !rt.v2 {
		// The rate limiter asks the backend for the space QPS, which fails
		// for an unknown token (§2).
		return nil, errUnauthorized()
	}
	// §3: rate limit, v1 only.
	if !rt.v2 && s.cfg.RatePoints > 0 {
		if aerr := s.consumePoint(key, token); aerr != nil {
			return nil, aerr
		}
	}
	// §1: body parser.
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

func errNotFound() *apiError {
	return &apiError{status: 404, code: 404, msg: "The API does not exist"}
}

func errUnauthorized() *apiError { return &apiError{status: 401, code: 401, msg: "Unauthorized"} }

func errNotInSpace() *apiError {
	return &apiError{status: 403, code: 403, msg: "The API token user does not belong to the space, please adjust spaceId or API token and try again"}
}

func errDatasheetNotFound() *apiError {
	return &apiError{status: 200, code: 301, msg: "Can't find the specified datasheet"}
}

// limitKey is the rate-limit bucket of §3: the last "/"-segment of the
// original URL (query included) starting with dst, else spc, else "user".
func limitKey(uri string) string {
	var dst, spc string
	for _, seg := range strings.Split(uri, "/") {
		if strings.HasPrefix(seg, "dst") {
			dst = seg
		} else if strings.HasPrefix(seg, "spc") {
			spc = seg
		}
	}
	switch {
	case dst != "":
		return dst
	case spc != "":
		return spc
	}
	return "user"
}

func (s *Backend) consumePoint(key, token string) *apiError {
	sum := sha1.Sum([]byte(token)) //nolint:gosec // the server's sha1(token) limiter key; not used for security
	k := key + ":" + hex.EncodeToString(sum[:])
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.windows[k]
	if w == nil || !now.Before(w.start.Add(s.cfg.RateWindow)) {
		w = &window{start: now}
		s.windows[k] = w
	}
	w.count++
	if w.count > s.cfg.RatePoints {
		return &apiError{status: 429, code: 429, msg: fmt.Sprintf("The API request rate for the current space is %d queries per second (QPS). Upgrading the space allows for a higher call frequency. Contact us: sales@aitable.ai.", s.cfg.RatePoints)}
	}
	return nil
}

// parseBody mimics fastify 3's body parsing (§1).
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
		return nil // streamed, no body limit (§6.9)
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

func jsonErrorText(err error) string {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return "Unexpected end of JSON input"
	}
	return "Unexpected token in JSON: " + err.Error()
}

func (s *Backend) writeHeaders(w http.ResponseWriter, ct string) {
	s.mu.Lock()
	s.reqID++
	id := s.reqID
	s.mu.Unlock()
	h := w.Header()
	h.Set("request-id", "apitabletest-"+strconv.FormatUint(id, 10))
	if ct != "" {
		h.Set("Content-Type", ct)
	}
}

func encodeJSON(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

type successEnvelope struct {
	Code    int    `json:"code"`
	Success bool   `json:"success"`
	Message string `json:"message"`
	Data    any    `json:"data,omitempty"`
}

type errorEnvelope struct {
	Success bool `json:"success"`
	Code    int  `json:"code"`
	Message any  `json:"message"`
}

// rateEnvelope keeps the key order of the 429 body of §3.
type rateEnvelope struct {
	Code    int    `json:"code"`
	Success bool   `json:"success"`
	Message string `json:"message"`
}

func (s *Backend) writeSuccess(w http.ResponseWriter, res *result) {
	s.writeHeaders(w, "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache,no-store,must-revalidate")
	w.WriteHeader(res.status)
	_, _ = w.Write(encodeJSON(successEnvelope{Code: 200, Success: true, Message: "SUCCESS", Data: res.data}))
}

func (s *Backend) writeError(w http.ResponseWriter, e *apiError) {
	s.writeHeaders(w, "application/json; charset=utf-8")
	w.WriteHeader(e.status)
	if e.status == 429 {
		_, _ = w.Write(encodeJSON(rateEnvelope{Code: e.code, Message: e.messageText()}))
		return
	}
	_, _ = w.Write(encodeJSON(errorEnvelope{Code: e.code, Message: e.msg}))
}
