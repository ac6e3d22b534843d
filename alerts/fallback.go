package alerts

import "context"

// MinimalSender is an Output that can send an alert's minimal payload
// (MinimalPayload: title, severity, rule, alert id and where the full
// record is) in its service's form. When a service refuses an alert's
// payload for its size or form (DeliveryError.Rejected), the Dispatcher
// sends this once before it counts the attempt as failed.
type MinimalSender interface {
	SendMinimal(ctx context.Context, a *Alert) error
}
