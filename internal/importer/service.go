package importer

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"

	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/store"
)

// MaxFileSize is the largest file the browser import keeps.
const MaxFileSize = 100 << 20

// UploadLifetime is how long a checked file waits for its import, and how
// long a finished import's summary can be read again.
const UploadLifetime = 30 * time.Minute

// maxUploadsPerUser bounds the files one user keeps waiting; the oldest
// goes first.
const maxUploadsPerUser = 5

// Service imports files for people: it checks who may import, keeps a
// file between its preview and its import (on this server's disk, under
// an unguessable id, for UploadLifetime at most), runs the import in the
// background with its progress, and writes the audit entry of a finished
// import in the import's own transaction.
type Service struct {
	db  *store.DB
	log *slog.Logger
	now func() time.Time

	mu      sync.Mutex
	uploads map[string]*upload
	runs    map[string]*job
	wg      sync.WaitGroup
	stop    context.CancelFunc
	ctx     context.Context // ends when the service stops
}

// New returns the service over db; a nil log discards.
func New(db *store.DB, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ctx, stop := context.WithCancel(context.Background())
	return &Service{db: db, log: log, now: time.Now, uploads: map[string]*upload{}, runs: map[string]*job{}, ctx: ctx, stop: stop}
}

// CanImport reports whether the principal in ctx may import accounts and
// contacts: managers and admins.
func (s *Service) CanImport(ctx context.Context) bool {
	p, ok := waymark.PrincipalFrom(ctx)
	return ok && p.Can(waymark.RoleManager)
}

func (s *Service) mayImport(ctx context.Context) (waymark.Principal, error) {
	p, _ := waymark.PrincipalFrom(ctx)
	if !s.CanImport(ctx) {
		return p, waymark.Errorf(waymark.EFORBIDDEN, "Only managers and admins may import accounts and contacts.")
	}
	return p, nil
}

// Import reads a file of kind from r and stores it all or nothing, as
// the package's Import does, with an audit entry in the same transaction.
// name is the file's name, for the audit log.
func (s *Service) Import(ctx context.Context, kind Kind, name string, r io.Reader) (*Result, error) {
	p, err := s.mayImport(ctx)
	if err != nil {
		return nil, err
	}
	return s.importAudited(ctx, p, kind, name, r, Options{})
}

// DryRun reads a file of kind from r as Import would, stores nothing, and
// says what the import would do; a file with bad rows is the same EINVALID
// error as Import's.
func (s *Service) DryRun(ctx context.Context, kind Kind, r io.Reader) (*Result, error) {
	if _, err := s.mayImport(ctx); err != nil {
		return nil, err
	}
	res, err := Run(ctx, s.db, kind, r, Options{DryRun: true})
	if err != nil {
		return nil, err
	}
	return res, nil
}

func (s *Service) importAudited(ctx context.Context, p waymark.Principal, kind Kind, name string, r io.Reader, opt Options) (*Result, error) {
	var res *Result
	err := s.db.Transact(ctx, func(ctx context.Context) error {
		var err error
		if res, err = Run(ctx, s.db, kind, r, opt); err != nil {
			return err
		}
		return s.db.AddAudit(ctx, waymark.NewAuditEntry(p, "imported", "import", 0, Summary(res, name)))
	})
	return res, err
}

// Summary says in a sentence what an import did, for the audit log and
// the page that shows its end.
func Summary(res *Result, name string) string {
	noun := "accounts"
	if res.Kind == Contacts {
		noun = "contacts"
	}
	if res.Rows == 1 {
		noun = strings.TrimSuffix(noun, "s")
	}
	s := fmt.Sprintf("Imported %d %s from %s: %d created, %d updated", res.Rows, noun, name, res.Created, res.Updated)
	if res.Kind == Contacts {
		s += fmt.Sprintf(", linked to %d %s", res.LinkedAccounts, map[bool]string{true: "account", false: "accounts"}[res.LinkedAccounts == 1])
	}
	return s + "."
}

// FileName makes a file name given by a browser fit to show and log: no
// path, no control characters, at most 200 characters.
func FileName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if r := []rune(name); len(r) > 200 {
		name = string(r[:200])
	}
	if name == "" {
		return "a CSV file"
	}
	return name
}

// upload is a file kept between its preview and its import.
type upload struct {
	id      string
	userID  int64
	name    string
	path    string
	kind    Kind // set by the preview that found it good
	rows    int
	checked bool
	created time.Time
}

// Upload is a kept file, as its owner sees it.
type Upload struct {
	ID   string
	Name string
	Size int64
}

// Keep stores r, a file the user chose, on disk until it is imported or
// UploadLifetime has passed. A file larger than MaxFileSize is refused.
func (s *Service) Keep(ctx context.Context, name string, r io.Reader) (*Upload, error) {
	p, err := s.mayImport(ctx)
	if err != nil {
		return nil, err
	}
	f, err := os.CreateTemp("", "waymark-upload-*.csv")
	if err != nil {
		return nil, fmt.Errorf("keep upload: %w", err)
	}
	n, err := io.Copy(f, io.LimitReader(r, MaxFileSize+1))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && n > MaxFileSize {
		err = waymark.Invalid("file", "is larger than %d MiB; split it into smaller files", MaxFileSize>>20)
	}
	if err == nil && n == 0 {
		err = waymark.Invalid("file", "is empty; choose a CSV file whose first line names the columns")
	}
	if err != nil {
		os.Remove(f.Name())
		if waymark.ErrorCode(err) == "" {
			s.log.Warn("import: keep upload", "err", err)
			return nil, waymark.Errorf(waymark.EBADREQUEST, "The file could not be read; choose it again.")
		}
		return nil, err
	}
	u := &upload{id: newID(), userID: p.UserID, name: FileName(name), path: f.Name(), created: s.now()}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweep()
	var mine []*upload
	for _, o := range s.uploads {
		if o.userID == u.userID {
			mine = append(mine, o)
		}
	}
	for len(mine) >= maxUploadsPerUser {
		oldest := 0
		for i, o := range mine {
			if o.created.Before(mine[oldest].created) {
				oldest = i
			}
		}
		s.drop(mine[oldest])
		mine = append(mine[:oldest], mine[oldest+1:]...)
	}
	s.uploads[u.id] = u
	// Removed on time even when nobody comes back for it.
	time.AfterFunc(UploadLifetime, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.uploads[u.id] == u {
			s.drop(u)
		}
	})
	return &Upload{ID: u.id, Name: u.name, Size: n}, nil
}

// Drop removes the user's kept file id, when a form that came with it was
// refused.
func (s *Service) Drop(ctx context.Context, id string) {
	u, err := s.take(ctx, id)
	if err != nil {
		return
	}
	s.mu.Lock()
	s.drop(u)
	s.mu.Unlock()
}

// Preview is what a dry run of a kept file found.
type Preview struct {
	UploadID string // empty when the file cannot be imported as it is
	Name     string
	Kind     Kind
	Result   *Result // nil when the file could not be read as an import
	// Problems are the bad lines, or what is wrong with the whole file
	// (field "file"); when there are any, the file was dropped.
	Problems []waymark.FieldError
	Message  string // the refusal in a sentence, when there are problems
}

// Check reads the kept file id as an import of kind would, in a
// transaction that is rolled back, and says what the import would do.
// A file with problems is dropped: the user corrects it and chooses it
// again.
func (s *Service) Check(ctx context.Context, id string, kind Kind) (*Preview, error) {
	if _, err := s.mayImport(ctx); err != nil {
		return nil, err
	}
	if _, ok := ParseKind(string(kind)); !ok {
		return nil, waymark.Invalid("kind", "must be accounts or contacts")
	}
	u, err := s.take(ctx, id)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(u.path)
	if err != nil {
		return nil, fmt.Errorf("check upload: %w", err)
	}
	defer f.Close()
	res, err := Run(ctx, s.db, kind, f, Options{DryRun: true})
	pv := &Preview{Name: u.name, Kind: kind, Result: res}
	if err != nil {
		s.mu.Lock()
		s.drop(u)
		s.mu.Unlock()
		if waymark.ErrorCode(err) != waymark.EINVALID {
			return nil, err
		}
		pv.Problems, pv.Message = waymark.ErrorFields(err), waymark.ErrorMessage(err)
		return pv, nil
	}
	s.mu.Lock()
	u.kind, u.rows, u.checked = kind, res.Rows, true
	s.mu.Unlock()
	pv.UploadID = u.id
	return pv, nil
}

// take returns the user's kept file id.
func (s *Service) take(ctx context.Context, id string) (*upload, error) {
	p, _ := waymark.PrincipalFrom(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.find(p, id)
}

// find returns p's kept file id. The caller holds s.mu.
func (s *Service) find(p waymark.Principal, id string) (*upload, error) {
	s.sweep()
	u, ok := s.uploads[id]
	if !ok || u.userID != p.UserID {
		return nil, waymark.Errorf(waymark.ENOTFOUND, "This file is no longer kept: files wait %d minutes for their import. Choose it again.", int(UploadLifetime.Minutes()))
	}
	return u, nil
}

// drop forgets u and removes its file. The caller holds s.mu.
func (s *Service) drop(u *upload) {
	delete(s.uploads, u.id)
	if err := os.Remove(u.path); err != nil && !errors.Is(err, os.ErrNotExist) {
		s.log.Warn("import: remove kept file", "err", err)
	}
}

// sweep drops expired files and forgets old finished imports. The caller
// holds s.mu.
func (s *Service) sweep() {
	now := s.now()
	for _, u := range s.uploads {
		if now.Sub(u.created) > UploadLifetime {
			s.drop(u)
		}
	}
	for id, j := range s.runs {
		if j.finished.Load() && now.Sub(j.started) > UploadLifetime {
			delete(s.runs, id)
		}
	}
}

// job is an import running in the background.
type job struct {
	id      string
	userID  int64
	name    string
	kind    Kind
	total   int
	started time.Time

	done     atomic.Int64
	finished atomic.Bool
	result   *Result // set before finished
	err      error
}

// Progress is how far an import has come.
type Progress struct {
	ID       string
	Name     string
	Kind     Kind
	Total    int // rows the check counted
	Done     int // rows read so far
	Finished bool
	Result   *Result // when it finished and stored everything
	Summary  string
	// When it finished without storing anything: the bad lines (the data
	// changed since the check), or only a message for any other failure.
	Problems []waymark.FieldError
	Message  string
}

// Start imports the kept, checked file id in the background; Status says
// how far it has come. The file is removed when the import ends.
func (s *Service) Start(ctx context.Context, id string) (*Progress, error) {
	p, err := s.mayImport(ctx)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	u, err := s.find(p, id)
	if err == nil && !u.checked {
		err = waymark.Errorf(waymark.ECONFLICT, "This file has not been checked yet; choose it again.")
	}
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	delete(s.uploads, id) // imported once; its file is removed at the end
	j := &job{id: u.id, userID: u.userID, name: u.name, kind: u.kind, total: u.rows, started: s.now()}
	s.runs[j.id] = j
	s.mu.Unlock()
	// The import outlives the request that starts it, and keeps its
	// principal for the audit entry; it ends early only when the service
	// stops.
	run := context.WithoutCancel(ctx)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer os.Remove(u.path)
		run, cancel := context.WithCancel(run)
		defer cancel()
		stop := context.AfterFunc(s.ctx, cancel)
		defer stop()
		f, err := os.Open(u.path)
		var res *Result
		if err == nil {
			res, err = s.importAudited(run, p, u.kind, u.name, f, Options{Progress: func(n int) { j.done.Store(int64(n)) }})
			f.Close()
		}
		if err != nil && waymark.ErrorCode(err) != waymark.EINVALID {
			s.log.Error("import failed", "file", u.name, "kind", u.kind, "err", err)
		}
		j.result, j.err = res, err
		j.finished.Store(true)
	}()
	return s.Status(ctx, id)
}

// Status says how far the import id has come.
func (s *Service) Status(ctx context.Context, id string) (*Progress, error) {
	if _, err := s.mayImport(ctx); err != nil {
		return nil, err
	}
	p, _ := waymark.PrincipalFrom(ctx)
	s.mu.Lock()
	s.sweep()
	j, ok := s.runs[id]
	s.mu.Unlock()
	if !ok || j.userID != p.UserID {
		return nil, waymark.Errorf(waymark.ENOTFOUND, "No such import. Finished imports are shown for %d minutes.", int(UploadLifetime.Minutes()))
	}
	pr := &Progress{ID: j.id, Name: j.name, Kind: j.kind, Total: j.total, Done: int(j.done.Load())}
	if j.finished.Load() {
		pr.Finished = true
		switch {
		case j.err == nil:
			pr.Result, pr.Done = j.result, j.result.Rows
			pr.Summary = Summary(j.result, j.name)
		case waymark.ErrorCode(j.err) == waymark.EINVALID:
			pr.Problems, pr.Message = waymark.ErrorFields(j.err), waymark.ErrorMessage(j.err)
		default:
			pr.Message = "The import failed and nothing was imported. The error has been logged; try again in a moment."
		}
	}
	return pr, nil
}

// Stop ends the imports still running (nothing of them is stored), waits
// for them until ctx ends, and removes the kept files.
func (s *Service) Stop(ctx context.Context) error {
	s.stop()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		return ctx.Err()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, u := range s.uploads {
		s.drop(u)
	}
	return nil
}

// newID returns an unguessable id.
func newID() string { return rand.Text() }
