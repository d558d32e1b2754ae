package schedule

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

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
	Log           *slog.Logger
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
func ScheduleName(id collection.MonitorID) string { return fmt.Sprintf("catena-monitor-%d", id) }

// Check refuses schedules EventBridge Scheduler cannot express.
func (e *EventBridge) Check(m *collection.Monitor) error {
	s, err := schedulespec.Parse(m.Schedule, m.TimeZone)
	if err != nil {
		return err
	}
	_, err = s.EventBridge()
	return err
}

// Upsert creates or updates the monitor's schedule (DISABLED while paused).
func (e *EventBridge) Upsert(ctx context.Context, m *collection.Monitor) error {
	s, err := schedulespec.Parse(m.Schedule, m.TimeZone)
	if err != nil {
		return err
	}
	expr, err := s.EventBridge()
	if err != nil {
		return err
	}
	state := types.ScheduleStateEnabled
	if !m.Enabled {
		state = types.ScheduleStateDisabled
	}
	target := &types.Target{
		Arn:     aws.String(e.cfg.LambdaARN),
		RoleArn: aws.String(e.cfg.RoleARN),
		Input:   aws.String(fmt.Sprintf(`{"monitorId": %d, "scheduledTime": "<aws.scheduler.scheduled-time>"}`, m.ID)),
		RetryPolicy: &types.RetryPolicy{
			MaximumRetryAttempts:     aws.Int32(e.cfg.RetryAttempts),
			MaximumEventAgeInSeconds: aws.Int32(e.cfg.MaxEventAge),
		},
	}
	if e.cfg.DLQARN != "" {
		target.DeadLetterConfig = &types.DeadLetterConfig{Arn: aws.String(e.cfg.DLQARN)}
	}
	name := ScheduleName(m.ID)
	desc := m.Name
	if len(desc) > 512 {
		desc = desc[:512]
	}
	window := &types.FlexibleTimeWindow{Mode: types.FlexibleTimeWindowModeOff}
	_, err = e.cfg.Client.UpdateSchedule(ctx, &scheduler.UpdateScheduleInput{
		Name: aws.String(name), GroupName: aws.String(e.cfg.Group), Description: aws.String(desc),
		ScheduleExpression: aws.String(expr), ScheduleExpressionTimezone: aws.String(s.TimeZone()),
		FlexibleTimeWindow: window, Target: target, State: state,
	})
	var notFound *types.ResourceNotFoundException
	if errors.As(err, &notFound) {
		_, err = e.cfg.Client.CreateSchedule(ctx, &scheduler.CreateScheduleInput{
			Name: aws.String(name), GroupName: aws.String(e.cfg.Group), Description: aws.String(desc),
			ScheduleExpression: aws.String(expr), ScheduleExpressionTimezone: aws.String(s.TimeZone()),
			FlexibleTimeWindow: window, Target: target, State: state,
		})
	}
	if err != nil {
		return fmt.Errorf("saving EventBridge schedule %s: %w", name, err)
	}
	e.cfg.Log.InfoContext(ctx, "EventBridge schedule saved", "monitor_id", m.ID, "expression", expr, "state", string(state))
	return nil
}

// Delete removes the monitor's schedule; one already gone is not an error.
func (e *EventBridge) Delete(ctx context.Context, id collection.MonitorID) error {
	_, err := e.cfg.Client.DeleteSchedule(ctx, &scheduler.DeleteScheduleInput{
		Name: aws.String(ScheduleName(id)), GroupName: aws.String(e.cfg.Group),
	})
	var notFound *types.ResourceNotFoundException
	if err != nil && !errors.As(err, &notFound) {
		return fmt.Errorf("deleting EventBridge schedule %s: %w", ScheduleName(id), err)
	}
	return nil
}
