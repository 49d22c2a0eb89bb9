package live

import "net/http"

// SetAfterConnected sets a function that runs once a stream's client has
// been told it is connected; nil removes it.
func SetAfterConnected(f func(*http.Request)) { afterConnected = f }
