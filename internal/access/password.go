package access

import (
	"fmt"

	"golang.org/x/crypto/bcrypt"
)

// hashPassword hashes a new password with bcrypt. Callers hash before
// their transaction opens, so that the shared writer never waits on it.
func hashPassword(pw string) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.DefaultCost)
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	return string(h), nil
}
