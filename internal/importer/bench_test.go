package importer_test

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"github.com/waymark/waymark/internal/importer"
	"github.com/waymark/waymark/internal/store/storetest"
)

const benchRows = 100_000

// BenchmarkImportContacts100k imports a 100,000-row contacts CSV file into
// a fresh SQLite database: parsing, header mapping, account lookup,
// validation and the upsert, all in one transaction. Compare its rows/s
// with BenchmarkPlainInsertContacts100k, measured in the same run.
func BenchmarkImportContacts100k(b *testing.B) {
	file := filepath.Join(b.TempDir(), "contacts.csv")
	f, err := os.Create(file)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	if _, err := w.ReadFrom(&genReader{n: benchRows}); err != nil {
		b.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	f.Close()

	var peak uint64
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		db := storetest.MustOpen(b, "sqlite")
		seedAccounts(b, db)
		f, err := os.Open(file)
		if err != nil {
			b.Fatal(err)
		}
		stop := watchHeap(&peak)
		b.StartTimer()
		res, err := importer.Import(context.Background(), db, importer.Contacts, f)
		b.StopTimer()
		stop()
		f.Close()
		if err != nil || res.Created != benchRows {
			b.Fatalf("import: %+v, %v", res, err)
		}
		db.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(benchRows*b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
}

// BenchmarkPlainInsertContacts100k is the baseline: the same 100,000
// contacts, already in memory, inserted into the same schema with one
// prepared INSERT, 5,000 rows a transaction, and nothing else.
func BenchmarkPlainInsertContacts100k(b *testing.B) {
	type row struct {
		account                   int
		email, name, title, phone string
		optedOut                  bool
	}
	rows := make([]row, benchRows)
	for i := range rows {
		e, f, l, a, t, ph, o := genContact(i + 1)
		_ = a
		rows[i] = row{(i + 1) % genAccounts, e, f + " " + l, t, ph, o}
	}
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		db := storetest.MustOpen(b, "sqlite")
		ids := seedAccounts(b, db)
		now := time.Now().UTC()
		b.StartTimer()
		sqlDB := db.SQL()
		for start := 0; start < len(rows); start += 5000 {
			tx, err := sqlDB.BeginTx(ctx, nil)
			if err != nil {
				b.Fatal(err)
			}
			stmt, err := tx.PrepareContext(ctx, `INSERT INTO contacts (account_id, name, email, title, phone, persona_id, influence, language, opted_out, created_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
			if err != nil {
				b.Fatal(err)
			}
			for _, r := range rows[start:min(start+5000, len(rows))] {
				if _, err := stmt.ExecContext(ctx, ids[r.account], r.name, r.email, r.title, r.phone, nil, nil, "en", r.optedOut, now); err != nil {
					b.Fatal(err)
				}
			}
			stmt.Close()
			if err := tx.Commit(); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		db.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(benchRows*b.N)/b.Elapsed().Seconds(), "rows/s")
}

// watchHeap samples the live heap every few milliseconds, keeping the
// largest value seen in *peak, until the returned stop is called.
func watchHeap(peak *uint64) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(s)
			if v := s[0].Value.Uint64(); v > *peak {
				*peak = v
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}
