// Package secrettest gives tests of every output path one hostile secret and
// the encodings a target or an encoder may give it, so each path can show that
// none of them reaches what it prints, stores or sends. It is for tests only.
package secrettest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Value is a secret with every character class encoders treat differently
// (&<>, quotes, slash, space, +, non-ASCII, beyond the BMP) behind an
// alphanumeric start that every encoding keeps: Leaks looks for that.
const Value = `Zq9Xv7Kp&<en>/v l"ü+9'😀`

// prefix is the start of Value, lower-cased, that survives every encoding.
const prefix = "zq9xv7kp"

// Encodings returns v as each encoder writes it, by encoder name.
func Encodings(v string) map[string]string {
	var plain bytes.Buffer
	enc := json.NewEncoder(&plain)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	goJSON, _ := json.Marshal(v)
	py := pythonJSON(v)
	return map[string]string{
		"raw":            v,
		"lower":          strings.ToLower(v),
		"json":           unquote(strings.TrimSpace(plain.String())),
		"go-json":        unquote(string(goJSON)),
		"python-json":    py,
		"php-json":       strings.ReplaceAll(py, "/", `\/`),
		"html":           html.EscapeString(v),
		"query":          url.QueryEscape(v),
		"query-20":       strings.ReplaceAll(url.QueryEscape(v), "+", "%20"),
		"path":           url.PathEscape(v),
		"go-quoted":      unquote(strconv.Quote(v)),
		"quoted-go-json": unquote(strconv.Quote(string(goJSON))),
	}
}

// Names lists the encodings in a stable order.
func Names() []string {
	var names []string
	for n := range Encodings(Value) {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

func unquote(s string) string { return strings.TrimSuffix(strings.TrimPrefix(s, `"`), `"`) }

// pythonJSON is json.dumps(v) without its quotes: non-ASCII as \uXXXX,
// surrogate pairs beyond the BMP.
func pythonJSON(v string) string {
	var b strings.Builder
	for _, r := range v {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r >= utf8.RuneSelf:
			if r > 0xffff {
				r1, r2 := utf16.EncodeRune(r)
				fmt.Fprintf(&b, `\u%04x\u%04x`, r1, r2)
			} else {
				fmt.Fprintf(&b, `\u%04x`, r)
			}
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Leaks reports whether text shows any encoding of Value, whole or cut
// after its first 8 characters, in any letter case.
func Leaks(text string) bool { return strings.Contains(strings.ToLower(text), prefix) }

// EchoHandler is a hostile target: GET /echo/NAME answers "v=" and the secret
// it was sent in header X-Key, written in encoding NAME (see Encodings), and
// echoes it in headers too (X-Echo percent-encoded, X-Echo-Raw as is).
func EchoHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := r.Header.Get("X-Key")
		name := strings.TrimPrefix(r.URL.Path, "/echo/")
		form, ok := Encodings(s)[name]
		if !ok {
			http.Error(w, "no encoding "+name, http.StatusNotFound)
			return
		}
		w.Header().Set("X-Echo", url.QueryEscape(s))
		w.Header().Set("X-Echo-Raw", s)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("v=" + form))
	})
}
