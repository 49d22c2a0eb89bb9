package importer

import "time"

// SetClock replaces the service's clock, for tests.
func SetClock(s *Service, now func() time.Time) { s.now = now }

// KeptPaths lists the files the service keeps on disk, for tests.
func KeptPaths(s *Service) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, u := range s.uploads {
		out = append(out, u.path)
	}
	return out
}
