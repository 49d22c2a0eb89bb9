package waymark

// IdempotentResponse is the stored answer to a POST made with an
// Idempotency-Key: what the request was (method, path, a hash of its body)
// and, once it finished, its status and body. Status 0 means the first
// request still runs.
type IdempotentResponse struct {
	Method, Path string
	RequestHash  string
	Status       int
	Body         []byte
}
