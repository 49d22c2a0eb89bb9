package main

import (
	"compress/gzip"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

// TestServeGzipsPages: a browser that accepts gzip gets pages and JSON
// gzipped, and one that does not gets them as they are.
func TestServeGzipsPages(t *testing.T) {
	base := startServer(t, "sqlite:"+filepath.Join(t.TempDir(), "waymark.db"), false)
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	get := func(path, encoding string) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", base+path, nil)
		if encoding != "" {
			req.Header.Set("Accept-Encoding", encoding)
		}
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var r io.Reader = res.Body
		if res.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(res.Body)
			if err != nil {
				t.Fatal(err)
			}
			r = zr
		}
		b, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		return res, string(b)
	}
	for _, path := range []string{"/login", "/api/v1/openapi.json"} {
		res, body := get(path, "gzip, deflate, br")
		if res.StatusCode != http.StatusOK || res.Header.Get("Content-Encoding") != "gzip" {
			t.Errorf("%s: status %d, Content-Encoding %q", path, res.StatusCode, res.Header.Get("Content-Encoding"))
		}
		if !strings.Contains(res.Header.Get("Vary"), "Accept-Encoding") {
			t.Errorf("%s: Vary %q", path, res.Header.Get("Vary"))
		}
		if !strings.Contains(body, "<html") && !strings.Contains(body, `"openapi"`) {
			t.Errorf("%s: the gzipped body reads %.80q", path, body)
		}
		plain, body := get(path, "")
		if plain.Header.Get("Content-Encoding") != "" || len(body) < 500 {
			t.Errorf("%s without gzip: Content-Encoding %q, %d bytes", path, plain.Header.Get("Content-Encoding"), len(body))
		}
	}
}
