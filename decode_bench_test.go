package apitable

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"
)

// pageBody returns a records page of n records with 12 fields of mixed
// types, as the server sends it (server-behaviour.md §6.1, §8.1).
func pageBody(n int) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, `{"code":200,"success":true,"message":"SUCCESS","data":{"total":%d,"pageNum":1,"pageSize":%d,"records":[`, n, n)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"recordId":"rec%010d","createdAt":1659459289000,"updatedAt":1659459933000,"fields":{`+
			`"Title":"Task number %d with a longer title","Notes":"line one\nline two","Count":%d,"Price":%d.25,"Done":true,`+
			`"Status":"Doing","Tags":["go","sdk","api"],"Due":%d,`+
			`"Site":{"title":"Go","text":"https://go.dev","favicon":""},`+
			`"Owner":[{"id":"1234567890123","unitId":"99","type":"Member","name":"Ann","avatar":"https://x/a.png"}],`+
			`"Files":[{"id":"atc0000000001","name":"a.png","size":1684539,"mimeType":"image/png","token":"space/2022/08/03/831b","width":2592,"height":3872,"url":"https://x/space/2022/08/03/831b"}],`+
			`"Links":["rec0000000001","rec0000000002"]}}`, i, i, i, i, 1700000000000+int64(i)*1000)
	}
	b.WriteString(`]}}`)
	return b.Bytes()
}

// BenchmarkDecodePage compares the client's decoding of a 1,000-record
// page with plain encoding/json into map[string]any on the same bytes.
// Per-record figures: ns/op ÷ 1000 and allocs/op ÷ 1000.
func BenchmarkDecodePage(b *testing.B) {
	body := pageBody(1000)
	c, err := New("t")
	if err != nil {
		b.Fatal(err)
	}
	cl := &call{route: routeListRecords, ids: []string{"dstX"}}
	st := &callState{call: cl, decl: cl.route.decl(), path: "/fusion/v1/datasheets/dstX/records"}
	b.Run("client", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			resp := &http.Response{StatusCode: 200, Header: http.Header{}, Body: &bufferedBody{Reader: bytes.NewReader(body), data: body}}
			var page recordsPageJSON
			if _, err := c.answer(resp, st, &page); err != nil {
				b.Fatal(err)
			}
			if p, err := page.toPage(); err != nil || len(p.Records) != 1000 {
				b.Fatal("short page", err)
			}
		}
	})
	b.Run("encoding-json-map", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			var m map[string]any
			if err := json.Unmarshal(body, &m); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkEncodeCreate measures the request encoder: typed values of a
// 10-record create chunk through encodeFields and json.Marshal.
func BenchmarkEncodeCreate(b *testing.B) {
	due := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	chunk := make([]Fields, 10)
	for i := range chunk {
		chunk[i] = Fields{
			"Title": fmt.Sprint("Task ", i), "Count": i, "Price": 9.99, "Done": true, "Due": due,
			"Tags": []string{"go", "sdk"}, "Site": URL{Text: "https://go.dev", Title: "Go"},
			"Owner": []MemberRef{MemberByID("1234567890123")}, "Files": []Attachment{{Token: "space/2022/08/03/831b", Name: "a.png"}}, //nolint:gosec // G101: an attachment token (a file path), not a credential
			"Links": []string{"rec0000000001"},
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		items := make([]any, len(chunk))
		for i, f := range chunk {
			enc, err := encodeFields(f)
			if err != nil {
				b.Fatal(err)
			}
			items[i] = map[string]any{"fields": enc}
		}
		if _, err := json.Marshal(recordsBody{Records: items}); err != nil {
			b.Fatal(err)
		}
	}
}
