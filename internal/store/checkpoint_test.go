package store

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// The checkpointer copies the log into the database file once the writes
// pause, or under writes that never pause once the first of them is
// checkpointMaxDelay old or the log has grown past checkpointMaxLog; not
// otherwise. What reached the database file is read from a copy of the
// file alone, without its log.
func TestCheckpointer(t *testing.T) {
	hour := time.Hour
	for _, tc := range []struct {
		name            string
		quiet, maxDelay time.Duration
		maxLog          int64
		pause           bool // stop writing and wait
		want            bool // rows in the database file
	}{
		{name: "after a pause", quiet: 50 * time.Millisecond, maxDelay: hour, maxLog: 1 << 40, pause: true, want: true},
		{name: "writes never pausing, first write old enough", quiet: hour, maxDelay: 100 * time.Millisecond, maxLog: 1 << 40, want: true},
		{name: "writes never pausing, log large enough", quiet: hour, maxDelay: hour, maxLog: 64 << 10, want: true},
		{name: "writes never pausing, neither", quiet: hour, maxDelay: hour, maxLog: 1 << 40, want: false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q, d, l := checkpointQuiet, checkpointMaxDelay, checkpointMaxLog
			checkpointQuiet, checkpointMaxDelay, checkpointMaxLog = tc.quiet, tc.maxDelay, tc.maxLog
			t.Cleanup(func() { checkpointQuiet, checkpointMaxDelay, checkpointMaxLog = q, d, l })

			ctx := context.Background()
			path := filepath.Join(t.TempDir(), "ck.db")
			db, err := Open(ctx, "sqlite:"+path)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			write := func() {
				t.Helper()
				err := db.Write(ctx, func(tx *Tx) error {
					if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS t (s TEXT)`); err != nil {
						return err
					}
					_, err := tx.Exec(ctx, `INSERT INTO t (s) VALUES (?)`, string(make([]byte, 4000)))
					return err
				})
				if err != nil {
					t.Fatal(err)
				}
			}
			inFile := func() int {
				t.Helper()
				b, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				cp := filepath.Join(t.TempDir(), "copy.db")
				if err := os.WriteFile(cp, b, 0o600); err != nil {
					t.Fatal(err)
				}
				c, err := sql.Open("sqlite", cp)
				if err != nil {
					t.Fatal(err)
				}
				defer c.Close()
				var n int
				if err := c.QueryRow(`SELECT COUNT(*) FROM t`).Scan(&n); err != nil {
					return 0 // no table yet
				}
				return n
			}

			got := false
			for start := time.Now(); time.Since(start) < 10*time.Second && !got; {
				if tc.pause {
					write()
					time.Sleep(200 * time.Millisecond)
				} else {
					for range 20 {
						write()
					}
					if !tc.want && time.Since(start) > 500*time.Millisecond {
						break
					}
				}
				got = inFile() > 0
			}
			if got != tc.want {
				t.Fatalf("rows in the database file: %v, want %v", got, tc.want)
			}
			// What /metrics reports: no checkpoint yet and commits waiting
			// for one; or, after a pause, none waiting.
			st := db.WriterStats()
			if !tc.want && (st.Checkpoints != 0 || !st.CheckpointPending) {
				t.Fatalf("%+v, want no checkpoint and commits pending", st)
			}
			if tc.pause {
				for start := time.Now(); st.CheckpointPending && time.Since(start) < 10*time.Second; st = db.WriterStats() {
					time.Sleep(10 * time.Millisecond)
				}
				if st.CheckpointPending || st.Checkpoints == 0 || st.CheckpointTime <= 0 {
					t.Fatalf("%+v, want checkpoints run and none pending", st)
				}
			}
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			// Closing copies the rest; the last connection deletes the log.
			if fi, err := os.Stat(path + "-wal"); err == nil && fi.Size() != 0 {
				t.Fatalf("log of %d bytes left after closing", fi.Size())
			}
		})
	}
}
