// Package frontend serves the web GUI, a Vite build embedded into the catena binary.
package frontend

import (
	"embed"
	"errors"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

// dist holds the output of `npm run build`. Only dist/.gitkeep is committed, so a
// binary built without the frontend still compiles and answers with a hint.
//
//go:embed all:dist
var dist embed.FS

// Handler serves the single-page app: real files from the build (hashed assets are
// cached for a year), index.html for every other GET so client-side routes such as
// /collections/3 survive a reload, and a short page explaining how to build the GUI
// when the binary was built without it.
func Handler() http.Handler {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		// fs.Sub only fails on an invalid path; "dist" is a constant.
		panic(err)
	}
	return handler(sub)
}

func handler(files fs.FS) http.Handler {
	index, indexErr := fs.ReadFile(files, "index.html")
	fileServer := http.FileServerFS(files)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		if indexErr != nil {
			serveNotBuilt(w)
			return
		}
		name := strings.TrimPrefix(path.Clean("/"+r.URL.Path), "/")
		if name != "" && name != "index.html" {
			if st, err := fs.Stat(files, name); err == nil && !st.IsDir() {
				if strings.HasPrefix(name, "assets/") {
					w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
				}
				fileServer.ServeHTTP(w, r)
				return
			} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
				http.Error(w, "reading the GUI files failed", http.StatusInternalServerError)
				return
			}
			// A missing file under assets/ is a stale link, not a client route.
			if strings.HasPrefix(name, "assets/") || path.Ext(name) == ".js" || path.Ext(name) == ".css" {
				http.NotFound(w, r)
				return
			}
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		_, _ = w.Write(index)
	})
}

const notBuilt = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Catena</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;line-height:1.5}
code{background:#8882;padding:.1rem .3rem;border-radius:4px}@media(prefers-color-scheme:dark){body{background:#1a1b1e;color:#ddd}}</style>
</head><body>
<h1>Catena is running</h1>
<p>This binary was built without the web interface. The API answers at <code>/graphql</code>.</p>
<p>To include the interface, build it and then the binary: <code>make frontend build</code>
(or <code>make run</code>, which does both).</p>
</body></html>
`

func serveNotBuilt(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(notBuilt))
}
