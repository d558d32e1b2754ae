package cli

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/collection/openapi"
)

// largeDocuments builds, for each format, a document just under the import
// limit (collection.MaxFileBytes) in the shape that format grows in: many
// requests with scripts (Postman), many operations (OpenAPI), large recorded
// bodies (HAR), curl commands with large bodies.
func largeDocuments() map[string][]byte {
	limit := collection.MaxFileBytes - 1024
	fill := func(head, item, tail string) []byte {
		var b strings.Builder
		b.WriteString(head)
		for i := 0; b.Len()+len(item)+len(tail)+16 < limit; i++ {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString(strings.ReplaceAll(item, "#", fmt.Sprint(i)))
		}
		b.WriteString(tail)
		return []byte(b.String())
	}
	body := strings.Repeat("x", 64<<10)
	return map[string][]byte{
		"postman": fill(`{"info":{"name":"big"},"item":[`,
			`{"name":"r#","event":[{"listen":"test","script":{"exec":["var data = pm.response.json();","tests['ok'] = responseCode.code === 200;","if (data.id) { pm.globals.set('id', data.id); }"]}}],"request":{"method":"POST","url":"http://127.0.0.1/{{p}}/#","body":{"mode":"raw","raw":"{\"a\":\"{{id}}\"}"}}}`, `]}`),
		"openapi": fill(`{"openapi":"3.0.3","info":{"title":"big","version":"1"},"servers":[{"url":"http://127.0.0.1"}],"paths":{`,
			`"/p#/{id}":{"get":{"operationId":"op#","parameters":[{"name":"id","in":"path","required":true,"schema":{"type":"string"}}],"responses":{"200":{"description":"ok","content":{"application/json":{"schema":{"type":"object","properties":{"id":{"type":"string"},"n":{"type":"integer"}}}}}}}}}`, `}}`),
		"har": fill(`{"log":{"entries":[`,
			`{"request":{"method":"GET","url":"http://127.0.0.1/items/#","headers":[]},"response":{"status":200,"content":{"mimeType":"text/plain","text":"`+body+`"}}}`, `]}}`),
		"curl": []byte(strings.Repeat("curl -X POST http://127.0.0.1/upload -d '"+strings.Repeat("y", limit/40-64)+"'\n", 40)),
	}
}

// BenchmarkImportNearLimit measures each importer on a document just under
// the limit: time per import and bytes allocated (-benchmem), and the peak
// heap seen (peak-heap-MiB). Run with
// go test ./internal/cli -run '^$' -bench ImportNearLimit -benchtime 3x -benchmem
func BenchmarkImportNearLimit(b *testing.B) {
	docs := largeDocuments()
	for _, format := range []string{"postman", "openapi", "har", "curl"} {
		b.Run(format, func(b *testing.B) {
			data := docs[format]
			b.SetBytes(int64(len(data)))
			var peak uint64
			for b.Loop() {
				runtime.GC()
				done := make(chan struct{})
				go func() {
					var m runtime.MemStats
					for {
						select {
						case <-done:
							return
						default:
						}
						runtime.ReadMemStats(&m)
						peak = max(peak, m.HeapAlloc)
						runtime.Gosched()
					}
				}()
				c, _, err := convertBounded(context.Background(), format, data, nil, "", openapi.Options{})
				close(done)
				if err != nil || len(c.Steps) == 0 {
					b.Fatalf("%s: %v", format, err)
				}
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
		})
	}
}

// TestImportRefusesPastLimit: a 10 MB document is refused by every importer
// with an error that says the limit, before any parsing.
func TestImportRefusesPastLimit(t *testing.T) {
	t.Parallel()
	big := []byte(`{"item":[` + strings.Repeat(" ", 10<<20) + `]}`)
	for _, format := range []string{"postman", "openapi", "har", "curl"} {
		_, _, err := convertBounded(context.Background(), format, big, nil, "", openapi.Options{})
		if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("at most %d", collection.MaxFileBytes)) {
			t.Errorf("%s: a 10 MB document: %v", format, err)
		}
	}
	r := runCLI(t, "import", writeFile(t, "ten.json", string(big)))
	if r.code != 2 || !strings.Contains(r.stderr, "(8 MB), the most Catena imports") {
		t.Errorf("catena import of 10 MB: exit %d %s", r.code, r.stderr)
	}
}
