package alerts

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"
)

// Backoff is exponential backoff with jitter: attempt n waits a random
// time between half and all of min(Max, Base·2^(n-1)).
type Backoff struct {
	Base time.Duration
	Max  time.Duration
}

// DefaultBackoff is the Dispatcher's backoff unless configured.
var DefaultBackoff = Backoff{Base: 2 * time.Second, Max: 10 * time.Minute}

// maxRetryAfter caps the wait a service may ask for.
const maxRetryAfter = time.Hour

// Delay returns the wait after the given failed attempt (1-based); rnd is
// a uniform random number in [0, 1).
func (b Backoff) Delay(attempt int, rnd float64) time.Duration {
	if attempt < 1 {
		attempt = 1
	}
	d := b.Base
	for i := 1; i < attempt && d < b.Max; i++ {
		d *= 2
	}
	d = min(d, b.Max)
	half := d / 2
	return half + time.Duration(float64(d-half)*rnd)
}

// DispatcherConfig configures a Dispatcher.
type DispatcherConfig struct {
	Store   Store
	Outputs map[string]Output
	Clock   Clock
	// MaxAttempts per output before the alert is parked as failed (default 10).
	MaxAttempts int
	Backoff     Backoff
	// Concurrency caps the sends in flight (default 8).
	Concurrency int
	// Batch caps the alerts one DispatchDue pass sends (default 500).
	Batch int
	Log   *slog.Logger
	// Rand returns jitter in [0, 1) (default math/rand/v2).
	Rand func() float64
	// Sleep waits between the attempts of SendNow (default a timer).
	Sleep func(ctx context.Context, d time.Duration) error
	// OnError, if set, is called for every failed send (for metrics),
	// including a send whose payload the service refused.
	OnError func(output string)
	// OnFallback, if set, is called when an output's service refused a
	// payload and the minimal payload was sent instead (for metrics).
	OnFallback func(output string)
}

// Dispatcher delivers pending alerts to their outputs: concurrently across
// outputs and alerts, retrying failures with backoff, recording each
// output's state so an output that has an alert never gets it again. An
// alert whose output gives up is parked as failed, never dropped; Retry
// makes it pending again. One DispatchDue pass runs at a time.
type Dispatcher struct {
	cfg  DispatcherConfig
	pass sync.Mutex
}

// NewDispatcher returns a Dispatcher.
func NewDispatcher(cfg DispatcherConfig) (*Dispatcher, error) {
	if cfg.Store == nil {
		return nil, errors.New("alert dispatcher: no store")
	}
	if cfg.Clock == nil {
		cfg.Clock = SystemClock{}
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 10
	}
	if cfg.Backoff.Base <= 0 {
		cfg.Backoff.Base = DefaultBackoff.Base
	}
	if cfg.Backoff.Max < cfg.Backoff.Base {
		cfg.Backoff.Max = max(DefaultBackoff.Max, cfg.Backoff.Base)
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 8
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 500
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Float64
	}
	if cfg.Sleep == nil {
		cfg.Sleep = sleepCtx
	}
	if cfg.Outputs == nil {
		cfg.Outputs = map[string]Output{}
	}
	return &Dispatcher{cfg: cfg}, nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// DispatchResult counts what one DispatchDue pass did.
type DispatchResult struct {
	// Alerts tried, sends that succeeded, sends that failed.
	Alerts int `json:"alerts"`
	Sent   int `json:"sent"`
	Errors int `json:"errors"`
	// Delivered alerts (every output has them) and Parked ones (failed).
	Delivered int `json:"delivered"`
	Parked    int `json:"parked"`
	// Fallbacks counts sends whose payload the service refused, answered
	// by sending the minimal payload.
	Fallbacks int `json:"fallbacks,omitempty"`
	// Next is the earliest retry scheduled for the alerts of this pass
	// (zero if none).
	Next time.Time `json:"next,omitzero"`
}

func (r *DispatchResult) add(o DispatchResult) {
	r.Alerts += o.Alerts
	r.Sent += o.Sent
	r.Errors += o.Errors
	r.Delivered += o.Delivered
	r.Parked += o.Parked
	r.Fallbacks += o.Fallbacks
	if !o.Next.IsZero() && (r.Next.IsZero() || o.Next.Before(r.Next)) {
		r.Next = o.Next
	}
}

// DispatchDue sends every pending alert whose outputs are due, at most
// Batch alerts per call.
func (d *Dispatcher) DispatchDue(ctx context.Context) (DispatchResult, error) {
	d.pass.Lock()
	defer d.pass.Unlock()
	var res DispatchResult
	now := d.cfg.Clock.Now()
	due, err := d.cfg.Store.List(ctx, Filter{Status: []Status{StatusPending}, DueBy: now, Limit: d.cfg.Batch})
	if err != nil {
		return res, fmt.Errorf("dispatch: %w", err)
	}
	var (
		mu   sync.Mutex
		wg   sync.WaitGroup
		errs []error
		sem  = make(chan struct{}, d.cfg.Concurrency)
	)
	for _, a := range due {
		wg.Go(func() {
			r, err := d.deliver(ctx, a, sem)
			mu.Lock()
			defer mu.Unlock()
			res.add(r)
			if err != nil {
				errs = append(errs, err)
			}
		})
	}
	wg.Wait()
	return res, errors.Join(errs...)
}

// Deliver sends one alert (by id) to its due outputs now.
func (d *Dispatcher) Deliver(ctx context.Context, id string) (DispatchResult, error) {
	d.pass.Lock()
	defer d.pass.Unlock()
	a, err := d.cfg.Store.Get(ctx, id)
	if err != nil {
		return DispatchResult{}, err
	}
	if a.Status != StatusPending {
		return DispatchResult{}, fmt.Errorf("deliver alert %s: it is %s, not pending", id, a.Status)
	}
	return d.deliver(ctx, a, make(chan struct{}, d.cfg.Concurrency))
}

func nextAttempt(a *Alert) time.Time {
	var next time.Time
	for _, name := range a.pendingOutputs() {
		if del := a.Delivery[name]; del != nil && !del.NextAttempt.IsZero() && (next.IsZero() || del.NextAttempt.Before(next)) {
			next = del.NextAttempt
		}
	}
	return next
}

func (d *Dispatcher) dueOutputs(a *Alert, now time.Time) []string {
	var out []string
	for _, name := range a.pendingOutputs() {
		if del := a.Delivery[name]; del == nil || !del.NextAttempt.After(now) {
			out = append(out, name)
		}
	}
	return out
}

type sendResult struct {
	output string
	err    error
	at     time.Time
	// fallback holds the service's refusal of the full payload when the
	// minimal one was sent after it.
	fallback string
}

// deliver sends an alert to its due outputs in parallel, then records the
// outcome in one store transaction.
func (d *Dispatcher) deliver(ctx context.Context, a *Alert, sem chan struct{}) (DispatchResult, error) {
	res := DispatchResult{Alerts: 1}
	names := d.dueOutputs(a, d.cfg.Clock.Now())
	results := make([]sendResult, len(names))
	var wg sync.WaitGroup
	for i, name := range names {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			fallback, err := d.send(ctx, name, a)
			results[i] = sendResult{output: name, err: err, fallback: fallback, at: d.cfg.Clock.Now()}
		})
	}
	wg.Wait()

	var final *Alert
	err := d.cfg.Store.Modify(ctx, []string{a.ID}, func(s *Alert) error {
		if s.Status != StatusPending {
			return ErrSkip
		}
		if s.Delivery == nil {
			s.Delivery = map[string]*Delivery{}
		}
		for _, r := range results {
			del := s.Delivery[r.output]
			if del == nil {
				del = &Delivery{}
				s.Delivery[r.output] = del
			}
			if !del.Sent.IsZero() {
				continue
			}
			if s.Dispatched.IsZero() {
				s.Dispatched = r.at
			}
			del.Attempts++
			del.LastAttempt = r.at
			del.Fallback = r.fallback
			if r.err == nil {
				del.Sent, del.LastError, del.NextAttempt = r.at, "", time.Time{}
				continue
			}
			del.LastError = r.err.Error()
			var de *DeliveryError
			permanent := errors.As(r.err, &de) && de.Permanent
			if permanent || del.Attempts >= d.cfg.MaxAttempts {
				del.Failed, del.NextAttempt = true, time.Time{}
				continue
			}
			wait := d.cfg.Backoff.Delay(del.Attempts, d.cfg.Rand())
			if de != nil && de.RetryAfter > wait {
				wait = min(de.RetryAfter, maxRetryAfter)
			}
			del.NextAttempt = r.at.Add(wait)
		}
		s.settle()
		final = s
		return nil
	})
	if err != nil {
		// The sends happened but are not recorded: they will be repeated,
		// which the stable alert id makes safe for receivers that dedup.
		return res, fmt.Errorf("record delivery of alert %s: %w", a.ID, err)
	}
	if final == nil {
		return res, nil
	}
	for _, r := range results {
		del := final.Delivery[r.output]
		if r.fallback != "" {
			res.Fallbacks++
		}
		if r.err == nil {
			res.Sent++
			continue
		}
		res.Errors++
		if d.cfg.OnError != nil {
			d.cfg.OnError(r.output)
		}
		if del.Failed {
			d.cfg.Log.Error("alert output gave up", "alert", a.ID, "rule", a.Rule, "output", r.output, "attempts", del.Attempts, "error", del.LastError)
		} else {
			d.cfg.Log.Warn("alert delivery failed", "alert", a.ID, "rule", a.Rule, "output", r.output, "attempt", del.Attempts, "next_attempt", del.NextAttempt, "error", del.LastError)
		}
	}
	switch final.Status {
	case StatusDelivered:
		res.Delivered++
	case StatusFailed:
		res.Parked++
		d.cfg.Log.Error("alert parked as failed", "alert", a.ID, "rule", a.Rule)
	default:
		res.Next = nextAttempt(final)
	}
	return res, nil
}

// send calls one output, turning a missing output or a panic into an
// error. When the service refuses the payload itself (DeliveryError.
// Rejected), the output's minimal payload is sent at once; fallback then
// holds the refusal, and err the outcome of the minimal send.
func (d *Dispatcher) send(ctx context.Context, name string, a *Alert) (fallback string, err error) {
	out, ok := d.cfg.Outputs[name]
	if !ok {
		return "", &DeliveryError{Output: name, Permanent: true, Msg: "output is not configured (or could not be built: see `streamalert outputs list`)"}
	}
	defer func() {
		if r := recover(); r != nil {
			err = &DeliveryError{Output: name, Msg: fmt.Sprintf("output panicked: %v", r)}
		}
	}()
	err = out.Send(ctx, a)
	var de *DeliveryError
	if err == nil || !errors.As(err, &de) || !de.Rejected {
		return "", err
	}
	ms, ok := out.(MinimalSender)
	if !ok {
		return "", err
	}
	fallback = "full payload refused: " + de.Msg
	if d.cfg.OnError != nil {
		d.cfg.OnError(name)
	}
	if d.cfg.OnFallback != nil {
		d.cfg.OnFallback(name)
	}
	d.cfg.Log.Warn("output refused the alert's payload; sending the minimal payload", "alert", a.ID, "rule", a.Rule, "output", name, "answer", de.Msg)
	ferr := ms.SendMinimal(ctx, a)
	if ferr == nil {
		return fallback, nil
	}
	out2 := &DeliveryError{Output: name, Msg: fmt.Sprintf("%s; minimal payload: %v", de.Msg, ferr)}
	var fe *DeliveryError
	if errors.As(ferr, &fe) {
		out2.StatusCode, out2.Permanent, out2.RetryAfter = fe.StatusCode, fe.Permanent, fe.RetryAfter
	}
	return fallback, out2
}

// Retry makes failed alerts pending again: their outputs that gave up get
// a fresh set of attempts; outputs that have the alert are left alone. No
// ids retries every failed alert. It returns how many alerts it requeued.
func (d *Dispatcher) Retry(ctx context.Context, ids ...string) (int, error) {
	if len(ids) == 0 {
		failed, err := d.cfg.Store.List(ctx, Filter{Status: []Status{StatusFailed}})
		if err != nil {
			return 0, fmt.Errorf("retry: %w", err)
		}
		for _, a := range failed {
			ids = append(ids, a.ID)
		}
	}
	n := 0
	err := d.cfg.Store.Modify(ctx, ids, func(a *Alert) error {
		if a.Status != StatusFailed {
			return ErrSkip
		}
		for _, del := range a.Delivery {
			if del.Sent.IsZero() {
				del.Failed, del.Attempts, del.NextAttempt = false, 0, time.Time{}
			}
		}
		a.Status = StatusPending
		n++
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("retry: %w", err)
	}
	return n, nil
}

// SendNow sends one alert to one output outside the store, trying up to
// attempts times with backoff (honouring Retry-After): `outputs test`.
func (d *Dispatcher) SendNow(ctx context.Context, output string, a *Alert, attempts int) error {
	var err error
	for i := 1; i <= max(attempts, 1); i++ {
		if _, err = d.send(ctx, output, a); err == nil {
			return nil
		}
		var de *DeliveryError
		if errors.As(err, &de) && de.Permanent || i == attempts {
			break
		}
		wait := d.cfg.Backoff.Delay(i, d.cfg.Rand())
		if de != nil && de.RetryAfter > wait {
			wait = min(de.RetryAfter, maxRetryAfter)
		}
		if serr := d.cfg.Sleep(ctx, wait); serr != nil {
			return errors.Join(err, serr)
		}
	}
	return err
}

// Run ticks the processor and dispatches due alerts every interval until
// ctx ends: the loop of `serve`. Errors are logged, not fatal.
func Run(ctx context.Context, p *Processor, d *Dispatcher, every time.Duration, log *slog.Logger) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if p != nil {
			if r, err := p.Tick(ctx); err != nil {
				log.Error("alert tick failed", "error", err)
			} else if r.Closed > 0 || len(r.Promoted) > 0 {
				log.Info("alert tick", "closed_groups", r.Closed, "merged", r.Merged, "promoted", r.Promoted)
			}
		}
		if d != nil {
			if r, err := d.DispatchDue(ctx); err != nil {
				log.Error("alert dispatch failed", "error", err)
			} else if r.Alerts > 0 {
				log.Info("alerts dispatched", "alerts", r.Alerts, "sent", r.Sent, "errors", r.Errors, "delivered", r.Delivered, "parked", r.Parked)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
