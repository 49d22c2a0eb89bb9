package access

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strconv"

	"github.com/waymark/waymark"
)

// IdempotencyStore is what idempotency keys need from the database.
type IdempotencyStore interface {
	ReserveIdempotencyKey(ctx context.Context, principal, key, method, path, requestHash string) (*waymark.IdempotentResponse, error)
	SaveIdempotentResult(ctx context.Context, principal, key string, r waymark.IdempotentResponse) error
	ReleaseIdempotencyKey(ctx context.Context, principal, key string) error
}

// idempotencyOwner is whose key it is: keys are per API token.
func idempotencyOwner(ctx context.Context) (string, error) {
	p, ok := waymark.PrincipalFrom(ctx)
	if !ok || p.TokenID == 0 {
		return "", waymark.Errorf(waymark.EUNAUTHORIZED, "Idempotency keys need an API token.")
	}
	return "token:" + strconv.FormatInt(p.TokenID, 10), nil
}

// ReserveIdempotencyKey claims key for a request of the principal's token.
// It returns nil when the caller now holds the key and must save the
// result or release the key. Otherwise it returns the earlier request's
// answer to replay, or refuses: the key was used on another path (409) or
// with another body (422, as the IETF Idempotency-Key draft says), or the
// earlier request still runs (409).
func (s *Service) ReserveIdempotencyKey(ctx context.Context, key, method, path string, body []byte) (*waymark.IdempotentResponse, error) {
	if len(key) > 200 {
		return nil, waymark.Invalid("Idempotency-Key", "must be at most 200 characters")
	}
	who, err := idempotencyOwner(ctx)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:])
	prev, err := s.idem.ReserveIdempotencyKey(ctx, who, key, method, path, hash)
	if err != nil || prev == nil {
		return nil, err
	}
	switch {
	case prev.Method != method || prev.Path != path:
		return nil, waymark.Errorf(waymark.ECONFLICT, "This Idempotency-Key was used for another request.")
	case prev.RequestHash != "" && prev.RequestHash != hash:
		return nil, waymark.Invalid("Idempotency-Key", "was used for another request (with another body); use a new key for a new request")
	case prev.Status == 0:
		return nil, waymark.Errorf(waymark.ECONFLICT, "A request with this Idempotency-Key is still running; retry in a moment.")
	}
	return prev, nil
}

// SaveIdempotentResult stores the answer of the request holding key.
func (s *Service) SaveIdempotentResult(ctx context.Context, key string, r waymark.IdempotentResponse) error {
	who, err := idempotencyOwner(ctx)
	if err != nil {
		return err
	}
	return s.idem.SaveIdempotentResult(ctx, who, key, r)
}

// ReleaseIdempotencyKey frees a key whose request failed, so that it can
// be retried.
func (s *Service) ReleaseIdempotencyKey(ctx context.Context, key string) error {
	who, err := idempotencyOwner(ctx)
	if err != nil {
		return err
	}
	return s.idem.ReleaseIdempotencyKey(ctx, who, key)
}
