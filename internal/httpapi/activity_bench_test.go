package httpapi_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/store/storetest"
)

// Activity events at volume (issue 8, speed): batches of 1,000 events
// through the real HTTP API (auth, decoding, validation, account lookup,
// idempotent insert, the batch's bus event, durable commit), beside the
// raw batched insert of the same rows into the same table in the same run:
// one multi-row INSERT per 1,000 rows on SQLite, COPY on PostgreSQL.
// BENCHMARKS.md reports the ratio.

const benchBatch = 1000

var benchSeq atomic.Int64

func benchEvents(accountExt string) []byte {
	n := benchSeq.Add(1)
	var b strings.Builder
	b.WriteString(`{"events":[`)
	stamp := time.Now().UnixNano()
	for i := range benchBatch {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":"bench-%d-%d-%d","account":"ext:%s","type":"login","occurred_at":"2026-11-01T10:00:00Z","properties":{"channel":"web"}}`, stamp, n, i, accountExt)
	}
	b.WriteString(`]}`)
	return []byte(b.String())
}

func BenchmarkActivityHTTP(b *testing.B) {
	for _, d := range storetest.Dialects() {
		b.Run(d, func(b *testing.B) {
			e := startAPI(b, d)
			a := &waymark.Account{Name: "Bench", ExternalID: ptr("BENCH-1")}
			if err := e.db.CreateAccount(context.Background(), a); err != nil {
				b.Fatal(err)
			}
			// Bodies are built before the clock starts.
			bodies := make(chan []byte, b.N)
			for range b.N {
				bodies <- benchEvents("BENCH-1")
			}
			c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
			b.SetParallelism(2) // 4 clients on 2 cores
			b.ResetTimer()
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					req, _ := http.NewRequest("POST", e.url+"/api/v1/events", bytes.NewReader(<-bodies))
					req.Header.Set("Authorization", "Bearer "+e.tokens["member"])
					req.Header.Set("Content-Type", "application/json")
					res, err := c.Do(req)
					if err != nil {
						b.Error(err)
						return
					}
					res.Body.Close()
					if res.StatusCode != http.StatusAccepted {
						b.Errorf("status %d", res.StatusCode)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N*benchBatch)/time.Since(start).Seconds(), "events/s")
		})
	}
}

func BenchmarkActivityRawInsert(b *testing.B) {
	for _, d := range storetest.Dialects() {
		b.Run(d, func(b *testing.B) {
			db := storetest.MustOpen(b, d)
			a := &waymark.Account{Name: "Bench"}
			if err := db.CreateAccount(context.Background(), a); err != nil {
				b.Fatal(err)
			}
			at := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
			ctx := context.Background()
			cols := []string{"client_id", "account_id", "contact_id", "type", "occurred_at", "properties", "amount", "received_at"}
			insert := "INSERT INTO activity_events (" + strings.Join(cols, ",") + ") VALUES " + strings.TrimSuffix(strings.Repeat("(?,?,?,?,?,?,?,?),", 250), ",")
			b.ResetTimer()
			start := time.Now()
			for i := 0; i < b.N; i++ {
				ids, _ := benchIDs()
				if db.IsPostgres() {
					// COPY straight into the table, in one transaction.
					tx, err := db.Pool().Begin(ctx)
					if err != nil {
						b.Fatal(err)
					}
					_, err = tx.CopyFrom(ctx, pgx.Identifier{"activity_events"}, cols, pgx.CopyFromSlice(len(ids), func(k int) ([]any, error) {
						return []any{ids[k], a.ID, nil, "login", at, `{"channel":"web"}`, nil, at}, nil
					}))
					if err != nil {
						b.Fatal(err)
					}
					if err := tx.Commit(ctx); err != nil {
						b.Fatal(err)
					}
					continue
				}
				// SQLite: four 250-row INSERTs in one transaction, committed.
				tx, err := db.SQL().BeginTx(ctx, nil)
				if err != nil {
					b.Fatal(err)
				}
				for part := 0; part < len(ids); part += 250 {
					args := make([]any, 0, 250*8)
					for _, id := range ids[part : part+250] {
						args = append(args, id, a.ID, nil, "login", at, `{"channel":"web"}`, nil, at)
					}
					if _, err := tx.Exec(insert, args...); err != nil {
						b.Fatal(err)
					}
				}
				if err := tx.Commit(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*benchBatch)/time.Since(start).Seconds(), "events/s")
		})
	}
}

func benchIDs() ([]string, int64) {
	n := benchSeq.Add(1)
	ids := make([]string, benchBatch)
	for i := range ids {
		ids[i] = fmt.Sprintf("raw-%d-%d-%d", time.Now().UnixNano(), n, i)
	}
	return ids, n
}
