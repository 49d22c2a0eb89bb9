package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
)

// static holds the files served under /static/. The front end that npm and
// esbuild build (make assets) lands in static/dist, which is not committed;
// README.txt is, so that the embed compiles on a fresh clone.
//
//go:embed static
var staticFS embed.FS

// asset is one static file, ready to serve.
type asset struct {
	body  []byte
	gzip  []byte // nil when compressing does not pay
	ctype string
}

// assets are the static files by hashed name. A file's URL carries a hash
// of its content, so browsers may cache it forever: a new build gives a new
// URL.
type assets struct {
	urls  map[string]string // "app.js" → "/static/app.1a2b3c4d5e.js"
	files map[string]*asset // "app.1a2b3c4d5e.js" → the file
}

// loadAssets reads and hashes every file under static/ of fsys. Files in
// dist/ are named without the dist/ prefix ("app.js"); README.txt and
// dotfiles (dist/.built) are not served.
func loadAssets(fsys fs.FS) (*assets, error) {
	a := &assets{urls: map[string]string{}, files: map[string]*asset{}}
	err := fs.WalkDir(fsys, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		base := path.Base(p)
		if strings.HasPrefix(base, ".") || base == "README.txt" {
			return nil
		}
		body, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		name := strings.TrimPrefix(strings.TrimPrefix(p, "static/"), "dist/")
		sum := sha256.Sum256(body)
		ext := path.Ext(name)
		hashed := strings.TrimSuffix(name, ext) + "." + hex.EncodeToString(sum[:])[:10] + ext
		if _, dup := a.urls[name]; dup {
			return fmt.Errorf("static asset %s exists twice", name)
		}
		ctype := mime.TypeByExtension(ext)
		if ctype == "" {
			ctype = "application/octet-stream"
		}
		f := &asset{body: body, ctype: ctype}
		if compressible(ctype) && len(body) > 1024 {
			var buf bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
			zw.Write(body)
			zw.Close()
			if buf.Len() < len(body)*9/10 {
				f.gzip = buf.Bytes()
			}
		}
		a.urls[name] = "/static/" + hashed
		a.files[hashed] = f
		return nil
	})
	return a, err
}

func compressible(ctype string) bool {
	return strings.HasPrefix(ctype, "text/") || strings.Contains(ctype, "javascript") ||
		strings.Contains(ctype, "json") || strings.HasPrefix(ctype, "image/svg")
}

// url returns the hashed URL of a static file, or "" when it is missing
// (the front end was not built), so that a page still renders.
func (a *assets) url(name string) string { return a.urls[name] }

// ServeHTTP serves GET /static/{file}.
func (a *assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f, ok := a.files[r.PathValue("file")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", f.ctype)
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("X-Content-Type-Options", "nosniff")
	body := f.body
	if f.gzip != nil {
		h.Set("Vary", "Accept-Encoding")
		if acceptsGzip(r.Header.Get("Accept-Encoding")) {
			h.Set("Content-Encoding", "gzip")
			body = f.gzip
		}
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

// acceptsGzip reports whether an Accept-Encoding header allows gzip.
func acceptsGzip(header string) bool {
	for part := range strings.SplitSeq(header, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(coding), "gzip") {
			q := strings.ReplaceAll(params, " ", "")
			return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
		}
	}
	return false
}
