package alerting

// DeliveryObserver is told about every send to a channel and every delivery
// that settles (internal/metrics implements it). Outcomes of an attempt are
// success, retry or failed; of a delivery, delivered or failed.
type DeliveryObserver interface {
	DeliveryAttempt(channelType, outcome string)
	DeliverySettled(channelType, outcome string)
}

// Outcome words passed to a DeliveryObserver.
const (
	attemptSuccess   = "success"
	attemptRetry     = "retry"
	attemptFailed    = "failed"
	deliveryDone     = "delivered"
	deliveryGaveUp   = "failed"
	unknownChannelTy = ""
)

// observeAttempt reports one send, when an observer is configured.
func (d *Dispatcher) observeAttempt(channelType, outcome string) {
	if d.cfg.Metrics != nil {
		d.cfg.Metrics.DeliveryAttempt(channelType, outcome)
	}
}

// observeSettled reports a delivery that ended, when an observer is configured.
func (d *Dispatcher) observeSettled(channelType, outcome string) {
	if d.cfg.Metrics != nil {
		d.cfg.Metrics.DeliverySettled(channelType, outcome)
	}
}
