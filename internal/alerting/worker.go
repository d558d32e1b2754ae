package alerting

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"sync"
	"time"

	"github.com/riverqueue/river"

	"github.com/catena-monitor/catena/internal/alerting/alert"
	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/store"
)

// orderWindow bounds how long a delivery waits for earlier ones of its
// incident and channel, so a lost job cannot hold the channel forever.
const orderWindow = 24 * time.Hour

// pacer spaces messages to one channel (Slack allows about one per second per
// webhook) and holds a channel that answered 429 until its Retry-After has
// passed. It is per process; with several runners each paces on its own.
type pacer struct {
	mu       sync.Mutex
	interval time.Duration
	next     map[collection.ChannelID]time.Time
}

// reserve returns 0 and books the next slot when ch may be sent to now, or
// how long to wait.
func (p *pacer) reserve(ch collection.ChannelID, now time.Time) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n, ok := p.next[ch]; ok && now.Before(n) {
		return n.Sub(now)
	}
	p.next[ch] = now.Add(p.interval)
	return 0
}

// hold keeps ch closed until until.
func (p *pacer) hold(ch collection.ChannelID, until time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if until.After(p.next[ch]) {
		p.next[ch] = until
	}
}

// RegisterWorkers adds the delivery worker to workers. The client running
// them must serve QueueName.
func RegisterWorkers(workers *river.Workers, d *Dispatcher) error {
	if err := river.AddWorkerSafely(workers, &deliveryWorker{d: d}); err != nil {
		return fmt.Errorf("registering alert delivery worker: %w", err)
	}
	return nil
}

// deliveryWorker sends one delivery per job. Every attempt is recorded on the
// delivery row; the row, not River's job, is what people see.
type deliveryWorker struct {
	river.WorkerDefaults[DeliveryJob]
	d *Dispatcher
}

// Timeout bounds the whole job: the send (SendTimeout) plus time to record
// its outcome, so a channel that never answers still gets its attempt written.
func (w *deliveryWorker) Timeout(*river.Job[DeliveryJob]) time.Duration {
	return w.d.cfg.Retry.SendTimeout + 30*time.Second
}

// NextRetry is exponential backoff with jitter; it matches the
// next_attempt_at Work records.
func (w *deliveryWorker) NextRetry(job *river.Job[DeliveryJob]) time.Time {
	return time.Now().Add(w.d.backoff(job.ID, job.Attempt))
}

// backoff is BaseDelay·2^(attempt-1), capped at MaxDelay, plus up to 25%
// jitter derived from the job and attempt, so NextRetry and Work agree.
func (d *Dispatcher) backoff(jobID int64, attempt int) time.Duration {
	r := d.cfg.Retry
	delay := r.BaseDelay
	for i := 1; i < attempt && delay < r.MaxDelay; i++ {
		delay *= 2
	}
	delay = min(delay, r.MaxDelay)
	h := fnv.New64a()
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], uint64(jobID))
	binary.LittleEndian.PutUint64(b[8:], uint64(attempt))
	h.Write(b[:])
	jitter := time.Duration(h.Sum64() % uint64(delay/4+1))
	return delay + jitter
}

// Work sends the delivery and records the outcome:
//   - success → delivered;
//   - a permanent error (invalid payload, bad routing key, SMTP 5xx) → failed
//     after this one attempt, and the channel is flagged;
//   - Retry-After → retried after exactly that delay (a River snooze);
//   - any other error → retried with backoff until MaxAttempts, then failed.
func (w *deliveryWorker) Work(ctx context.Context, job *river.Job[DeliveryJob]) error {
	d := w.d
	st := d.cfg.Store
	rec, err := st.GetDelivery(ctx, job.Args.DeliveryID)
	if errors.Is(err, collection.ErrNotFound) {
		return nil // its channel or incident was deleted
	}
	if err != nil {
		return err
	}
	if rec.Status == collection.DeliveryDelivered || rec.Status == collection.DeliveryFailed {
		return nil // a duplicate job: the delivery is settled
	}
	log := d.cfg.Log.With("delivery_id", int64(rec.ID), "channel_id", int64(rec.ChannelID), "event", rec.Event)
	attempt := max(rec.Attempts+1, job.Attempt)

	// Waiting for order or pace is not an attempt: River snoozes do not count.
	if rec.IncidentID != nil && time.Since(rec.CreatedAt) < orderWindow {
		earlier, err := st.EarlierUnsettledDelivery(ctx, rec.ID)
		if err != nil {
			return err
		}
		if earlier {
			return river.JobSnooze(min(d.cfg.Retry.BaseDelay, time.Second))
		}
	}
	if wait := d.pace.reserve(rec.ChannelID, time.Now()); wait > 0 {
		return river.JobSnooze(wait)
	}

	chType := unknownChannelTy // known once the channel is read
	fail := func(cause error) error {
		d.observeSettled(chType, deliveryGaveUp)
		if _, err := st.RecordDeliveryAttempt(ctx, store.UpdateDeliveryParams{ID: rec.ID, Status: collection.DeliveryFailed, LastError: cause.Error()}); err != nil && !errors.Is(err, collection.ErrConflict) {
			return err
		}
		log.WarnContext(ctx, "alert delivery failed", "attempts", attempt, "error", cause.Error())
		return river.JobCancel(cause)
	}

	ch, err := d.cfg.Channels.GetChannel(ctx, rec.ChannelID)
	if errors.Is(err, collection.ErrNotFound) {
		return fail(errors.New("the channel was deleted"))
	}
	if err != nil {
		err = fmt.Errorf("reading channel %d: %w", rec.ChannelID, err)
		if job.Attempt >= job.MaxAttempts {
			return fail(err) // River will not call again: settle the row now
		}
		return err
	}
	chType = string(ch.Type)
	p, err := NewProvider(ch.Type, ch.Config, d.cfg.Providers)
	if err == nil {
		err = p.Validate()
	}
	if err != nil {
		_ = st.SetChannelError(ctx, ch.ID, err.Error())
		return fail(err)
	}
	var ev alert.Event
	if err := json.Unmarshal(rec.Payload, &ev); err != nil {
		return fail(fmt.Errorf("decoding the stored alert: %w", err))
	}
	ev.DeliveryID = int64(rec.ID)

	sendCtx, cancel := context.WithTimeout(ctx, d.cfg.Retry.SendTimeout)
	sendErr := p.Send(sendCtx, ev)
	cancel()
	if sendErr == nil {
		d.observeAttempt(chType, attemptSuccess)
		d.observeSettled(chType, deliveryDone)
		if _, err := st.RecordDeliveryAttempt(ctx, store.UpdateDeliveryParams{ID: rec.ID, Status: collection.DeliveryDelivered}); err != nil && !errors.Is(err, collection.ErrConflict) {
			return err
		}
		_ = st.SetChannelError(ctx, ch.ID, "")
		log.InfoContext(ctx, "alert delivered", "attempts", attempt)
		return nil
	}
	if alert.IsPermanent(sendErr) || attempt >= d.cfg.Retry.MaxAttempts || job.Attempt >= job.MaxAttempts {
		d.observeAttempt(chType, attemptFailed)
	} else {
		d.observeAttempt(chType, attemptRetry)
	}
	if alert.IsPermanent(sendErr) {
		_ = st.SetChannelError(ctx, ch.ID, sendErr.Error())
		return fail(sendErr)
	}
	if attempt >= d.cfg.Retry.MaxAttempts || job.Attempt >= job.MaxAttempts {
		return fail(fmt.Errorf("gave up after %d attempts: %w", attempt, sendErr))
	}
	delay := d.backoff(job.ID, job.Attempt)
	var ra *alert.RetryAfterError
	if errors.As(sendErr, &ra) {
		delay = ra.After
		d.pace.hold(ch.ID, time.Now().Add(ra.After)) // the whole channel waits, not just this message
	}
	next := time.Now().Add(delay)
	if _, err := st.RecordDeliveryAttempt(ctx, store.UpdateDeliveryParams{ID: rec.ID, Status: collection.DeliveryRetrying, LastError: sendErr.Error(), NextAttemptAt: &next}); err != nil {
		if errors.Is(err, collection.ErrConflict) {
			return nil
		}
		return err
	}
	log.InfoContext(ctx, "alert delivery will be retried", "attempts", attempt, "retry_in", delay.String(), "error", sendErr.Error())
	if ra != nil {
		return river.JobSnooze(ra.After)
	}
	return sendErr
}
