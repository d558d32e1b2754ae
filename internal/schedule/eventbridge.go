package schedule

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"
	"github.com/aws/aws-sdk-go-v2/service/scheduler/types"

	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/collection/schedulespec"
	"github.com/catena-monitor/catena/internal/config"
)

// EventBridgeConfig configures the EventBridge Scheduler mode.
type EventBridgeConfig struct {
	Client    *scheduler.Client
	Group     string // schedule group (CATENA_EB_GROUP)
	LambdaARN string // scheduler-lambda, the schedules' target
	RoleARN   string // role EventBridge Scheduler assumes to invoke the Lambda
	DLQARN    string // SQS queue for deliveries that failed every retry ("" = none)
	// RetryAttempts and MaxEventAge are the target's retry policy (20, 15m):
	// the Lambda records a delivery later than its stale bound as missed.
	RetryAttempts int32
	MaxEventAge   int32 // seconds
	// CallTimeout bounds each API call (default 10s).
	CallTimeout time.Duration
	Log         *slog.Logger
}

// EventBridge keeps one EventBridge Scheduler schedule per monitor, named
// catena-monitor-<id>, whose target is scheduler-lambda with the input
// {"monitorId": N, "scheduledTime": "<aws.scheduler.scheduled-time>"}.
// AWS keeps the clock: in this mode nothing advances monitors' next_run_at,
// which is only what the gateway stored for display.
type EventBridge struct {
	cfg EventBridgeConfig
}

var (
	_ Scheduler = (*EventBridge)(nil)
	_ Checker   = (*EventBridge)(nil)
)

// NewEventBridge returns the EventBridge Scheduler implementation.
func NewEventBridge(cfg EventBridgeConfig) (*EventBridge, error) {
	if cfg.Client == nil || cfg.Group == "" || cfg.LambdaARN == "" || cfg.RoleARN == "" {
		return nil, errors.New("schedule: NewEventBridge needs Client, Group, LambdaARN and RoleARN")
	}
	if cfg.RetryAttempts == 0 {
		cfg.RetryAttempts = 20
	}
	if cfg.MaxEventAge == 0 {
		cfg.MaxEventAge = 15 * 60
	}
	if cfg.CallTimeout == 0 {
		cfg.CallTimeout = 10 * time.Second
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	cfg.Log = cfg.Log.With("component", "scheduler")
	return &EventBridge{cfg: cfg}, nil
}

// NewSchedulerClient builds the AWS client from the default credential chain,
// with the configured region and endpoint override (tests, LocalStack).
func NewSchedulerClient(ctx context.Context, c config.SchedulerConfig) (*scheduler.Client, error) {
	var opts []func(*awsconfig.LoadOptions) error
	if c.AWSRegion != "" {
		opts = append(opts, awsconfig.WithRegion(c.AWSRegion))
	}
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("loading AWS configuration: %w", err)
	}
	return scheduler.NewFromConfig(awsCfg, func(o *scheduler.Options) {
		if c.AWSBaseURL != "" {
			o.BaseEndpoint = aws.String(c.AWSBaseURL)
		}
	}), nil
}

// ScheduleName is the EventBridge schedule name of a monitor.
func ScheduleName(id collection.MonitorID) string { return fmt.Sprintf(schedulePrefix+"%d", id) }

const schedulePrefix = "catena-monitor-"

// Check refuses schedules EventBridge Scheduler cannot express.
func (e *EventBridge) Check(m *collection.Monitor) error {
	s, err := schedulespec.Parse(m.Schedule, m.TimeZone)
	if err != nil {
		return err
	}
	_, err = s.EventBridge()
	return err
}

// spec is the schedule EventBridge should hold for a monitor.
type spec struct {
	name, desc, expr, tz string
	state                types.ScheduleState
	target               *types.Target
}

func (e *EventBridge) spec(m *collection.Monitor) (spec, error) {
	s, err := schedulespec.Parse(m.Schedule, m.TimeZone)
	if err != nil {
		return spec{}, err
	}
	expr, err := s.EventBridge()
	if err != nil {
		return spec{}, err
	}
	state := types.ScheduleStateEnabled
	if !m.Enabled {
		state = types.ScheduleStateDisabled
	}
	target := &types.Target{
		Arn:     aws.String(e.cfg.LambdaARN),
		RoleArn: aws.String(e.cfg.RoleARN),
		Input:   aws.String(scheduleInput(m.ID)),
		RetryPolicy: &types.RetryPolicy{
			MaximumRetryAttempts:     aws.Int32(e.cfg.RetryAttempts),
			MaximumEventAgeInSeconds: aws.Int32(e.cfg.MaxEventAge),
		},
	}
	if e.cfg.DLQARN != "" {
		target.DeadLetterConfig = &types.DeadLetterConfig{Arn: aws.String(e.cfg.DLQARN)}
	}
	desc := m.Name
	if len(desc) > 512 {
		desc = desc[:512]
	}
	return spec{name: ScheduleName(m.ID), desc: desc, expr: expr, tz: s.TimeZone(), state: state, target: target}, nil
}

func scheduleInput(id collection.MonitorID) string {
	return fmt.Sprintf(`{"monitorId": %d, "scheduledTime": "<aws.scheduler.scheduled-time>"}`, id)
}

func isNotFound(err error) bool {
	var nf *types.ResourceNotFoundException
	return errors.As(err, &nf)
}

func isConflict(err error) bool {
	var c *types.ConflictException
	return errors.As(err, &c)
}

// call bounds one API call by CallTimeout.
func (e *EventBridge) call(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, e.cfg.CallTimeout)
}

// EnsureGroup creates the schedule group when it does not exist.
func (e *EventBridge) EnsureGroup(ctx context.Context) error {
	cctx, cancel := e.call(ctx)
	defer cancel()
	_, err := e.cfg.Client.CreateScheduleGroup(cctx, &scheduler.CreateScheduleGroupInput{Name: aws.String(e.cfg.Group)})
	if err != nil && !isConflict(err) {
		return fmt.Errorf("creating EventBridge schedule group %s: %w", e.cfg.Group, err)
	}
	if err == nil {
		e.cfg.Log.InfoContext(ctx, "EventBridge schedule group created", "group", e.cfg.Group)
	}
	return nil
}

// Upsert creates or updates the monitor's schedule (DISABLED while paused),
// creating the schedule group first when it is missing. It is idempotent: a
// retry after a call that timed out but succeeded updates the same schedule.
func (e *EventBridge) Upsert(ctx context.Context, m *collection.Monitor) error {
	sp, err := e.spec(m)
	if err != nil {
		return err
	}
	window := &types.FlexibleTimeWindow{Mode: types.FlexibleTimeWindowModeOff}
	update := func() error {
		cctx, cancel := e.call(ctx)
		defer cancel()
		_, err := e.cfg.Client.UpdateSchedule(cctx, &scheduler.UpdateScheduleInput{
			Name: aws.String(sp.name), GroupName: aws.String(e.cfg.Group), Description: aws.String(sp.desc),
			ScheduleExpression: aws.String(sp.expr), ScheduleExpressionTimezone: aws.String(sp.tz),
			FlexibleTimeWindow: window, Target: sp.target, State: sp.state,
		})
		return err
	}
	create := func() error {
		cctx, cancel := e.call(ctx)
		defer cancel()
		_, err := e.cfg.Client.CreateSchedule(cctx, &scheduler.CreateScheduleInput{
			Name: aws.String(sp.name), GroupName: aws.String(e.cfg.Group), Description: aws.String(sp.desc),
			ScheduleExpression: aws.String(sp.expr), ScheduleExpressionTimezone: aws.String(sp.tz),
			FlexibleTimeWindow: window, Target: sp.target, State: sp.state,
		})
		return err
	}
	err = update()
	if isNotFound(err) {
		err = create()
		if isNotFound(err) { // the group itself is missing
			if err = e.EnsureGroup(ctx); err == nil {
				err = create()
			}
		}
		if isConflict(err) { // created meanwhile (a late success of an earlier call)
			err = update()
		}
	}
	if err != nil {
		return fmt.Errorf("saving EventBridge schedule %s: %w", sp.name, err)
	}
	e.cfg.Log.InfoContext(ctx, "EventBridge schedule saved", "monitor_id", m.ID, "expression", sp.expr, "state", string(sp.state))
	return nil
}

// Delete removes the monitor's schedule; one already gone (or a group that
// does not exist) is not an error.
func (e *EventBridge) Delete(ctx context.Context, id collection.MonitorID) error {
	cctx, cancel := e.call(ctx)
	defer cancel()
	_, err := e.cfg.Client.DeleteSchedule(cctx, &scheduler.DeleteScheduleInput{
		Name: aws.String(ScheduleName(id)), GroupName: aws.String(e.cfg.Group),
	})
	if err != nil && !isNotFound(err) {
		return fmt.Errorf("deleting EventBridge schedule %s: %w", ScheduleName(id), err)
	}
	return nil
}

// Matches reports whether AWS holds exactly the schedule m needs (false when
// it holds none).
func (e *EventBridge) Matches(ctx context.Context, m *collection.Monitor) (bool, error) {
	sp, err := e.spec(m)
	if err != nil {
		return false, err
	}
	cctx, cancel := e.call(ctx)
	defer cancel()
	got, err := e.cfg.Client.GetSchedule(cctx, &scheduler.GetScheduleInput{Name: aws.String(sp.name), GroupName: aws.String(e.cfg.Group)})
	if isNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("reading EventBridge schedule %s: %w", sp.name, err)
	}
	t := got.Target
	same := aws.ToString(got.ScheduleExpression) == sp.expr && aws.ToString(got.ScheduleExpressionTimezone) == sp.tz &&
		got.State == sp.state && t != nil && aws.ToString(t.Arn) == aws.ToString(sp.target.Arn) &&
		aws.ToString(t.RoleArn) == aws.ToString(sp.target.RoleArn) && aws.ToString(t.Input) == aws.ToString(sp.target.Input)
	return same, nil
}

// maxListPages bounds ListMonitorSchedules (100 names a page).
const maxListPages = 10_000

// ListMonitorSchedules returns the monitor ids of every catena-monitor-N
// schedule in the group, creating the group when it is missing (then none).
func (e *EventBridge) ListMonitorSchedules(ctx context.Context) ([]collection.MonitorID, error) {
	var out []collection.MonitorID
	var token *string
	for range maxListPages {
		cctx, cancel := e.call(ctx)
		page, err := e.cfg.Client.ListSchedules(cctx, &scheduler.ListSchedulesInput{
			GroupName: aws.String(e.cfg.Group), NamePrefix: aws.String(schedulePrefix), NextToken: token, MaxResults: aws.Int32(100),
		})
		cancel()
		if isNotFound(err) && token == nil {
			return nil, e.EnsureGroup(ctx)
		}
		if err != nil {
			return nil, fmt.Errorf("listing EventBridge schedules in %s: %w", e.cfg.Group, err)
		}
		for _, s := range page.Schedules {
			var id collection.MonitorID
			if _, err := fmt.Sscanf(aws.ToString(s.Name), schedulePrefix+"%d", &id); err == nil && ScheduleName(id) == aws.ToString(s.Name) {
				out = append(out, id)
			}
		}
		if token = page.NextToken; token == nil {
			return out, nil
		}
	}
	return nil, fmt.Errorf("listing EventBridge schedules in %s: more than %d pages", e.cfg.Group, maxListPages)
}
