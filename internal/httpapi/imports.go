package httpapi

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"

	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/importer"
)

// MaxImportBody is the largest CSV file the import endpoint takes.
const MaxImportBody = 100 << 20

// importCSV serves POST /api/v1/imports/{kind}: the body is the CSV file
// (text/csv), or a multipart/form-data form whose "file" field is. It
// answers 200 with what was imported, or 422 listing every bad row. With
// ?dry_run=true it stores nothing and answers what the import would do.
func (s *Server) importCSV(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	kind, ok := importer.ParseKind(r.PathValue("kind"))
	if !ok {
		return waymark.Errorf(waymark.ENOTFOUND, "No such import: %q; import accounts or contacts.", r.PathValue("kind"))
	}
	body, name, err := csvBody(r)
	if err != nil {
		return err
	}
	// The file goes to disk first: the import holds the database's write
	// lock while it runs, and a slow upload must not hold it too. Disk, not
	// memory, so that a large file costs no memory.
	f, err := os.CreateTemp("", "waymark-import-*.csv")
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	if _, err := io.Copy(f, body); err != nil {
		var maxErr *http.MaxBytesError
		if errors.As(err, &maxErr) {
			return waymark.Errorf(waymark.ETOOLARGE, "The file is larger than %d MiB.", maxErr.Limit>>20)
		}
		return waymark.Errorf(waymark.EBADREQUEST, "The file could not be read: %v.", err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("import: %w", err)
	}
	var res *importer.Result
	if r.URL.Query().Get("dry_run") == "true" {
		res, err = s.imports.DryRun(r.Context(), kind, f)
	} else {
		res, err = s.imports.Import(r.Context(), kind, name, f)
	}
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, res)
}

// csvBody returns the CSV file of the request and its name: the body
// itself, or the "file" part of a multipart form, read as it streams.
func csvBody(r *http.Request) (io.Reader, string, error) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "multipart/form-data" {
		return r.Body, "a CSV body", nil
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, "", waymark.Errorf(waymark.EBADREQUEST, "The form could not be read: %v.", err)
	}
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return nil, "", waymark.Invalid("file", "is required: send the CSV file in a form field named \"file\"")
		}
		if err != nil {
			var maxErr *http.MaxBytesError
			if errors.As(err, &maxErr) {
				return nil, "", waymark.Errorf(waymark.ETOOLARGE, "The file is larger than %d MiB.", maxErr.Limit>>20)
			}
			return nil, "", waymark.Errorf(waymark.EBADREQUEST, "The form could not be read: %v.", err)
		}
		if p.FormName() == "file" {
			return p, importer.FileName(p.FileName()), nil
		}
		p.Close()
	}
}
