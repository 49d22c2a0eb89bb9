package webhook

import "context"

// DeliverNow sends one test message to a webhook, as a delivery would.
func (s *Service) DeliverNow(ctx context.Context, webhookID, _ int64) error {
	h, err := s.store.Webhook(ctx, webhookID)
	if err != nil {
		return err
	}
	_, err = s.send(ctx, h, "msg_test", []byte(`{}`))
	return err
}
