package metrics

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/catena-monitor/catena/internal/config"
)

// QueueAgeMetric is the CloudWatch metric the queue publisher writes, one
// datum per location with the dimension LocationDimension: the metric the AWS
// deployment's runner target tracking and queue alarm read (deploy/aws).
const (
	QueueAgeMetric    = "QueueOldestJobAgeSeconds"
	LocationDimension = "Location"
)

// maxDatums is PutMetricData's limit of metric data per request.
const maxDatums = 1000

// CloudWatchPublisherConfig configures PublishQueueAge.
type CloudWatchPublisherConfig struct {
	Client    *cloudwatch.Client
	Namespace string      // e.g. "Catena"
	Source    QueueSource // the store's QueueStats
	// Interval is how often the ages are published (default 60s, the period
	// the scaling policy reads); CallTimeout bounds one publication (10s).
	Interval    time.Duration
	CallTimeout time.Duration
	Log         *slog.Logger
}

// NewCloudWatchClient builds the client from the default credential chain,
// with the configured region and endpoint override (tests, LocalStack).
func NewCloudWatchClient(ctx context.Context, c config.CloudWatchConfig) (*cloudwatch.Client, error) {
	var opts []func(*awsconfig.LoadOptions) error
	if c.AWSRegion != "" {
		opts = append(opts, awsconfig.WithRegion(c.AWSRegion))
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("loading AWS configuration for CloudWatch: %w", err)
	}
	return cloudwatch.NewFromConfig(cfg, func(o *cloudwatch.Options) {
		if c.AWSEndpointURL != "" {
			o.BaseEndpoint = aws.String(c.AWSEndpointURL)
		}
	}), nil
}

// PublishQueueAge publishes every location's oldest queued job age now and
// then every Interval until ctx ends. A failed publication is logged and
// retried at the next tick: scaling then sees a missing minute, not a stopped
// gateway. It returns nil when ctx ends.
func PublishQueueAge(ctx context.Context, c CloudWatchPublisherConfig) error {
	if c.Client == nil || c.Namespace == "" || c.Source == nil {
		return errors.New("metrics: PublishQueueAge needs Client, Namespace and Source")
	}
	if c.Interval <= 0 {
		c.Interval = time.Minute
	}
	if c.CallTimeout <= 0 {
		c.CallTimeout = 10 * time.Second
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	t := time.NewTicker(c.Interval)
	defer t.Stop()
	for {
		if err := publishQueueAge(ctx, c, time.Now()); err != nil && ctx.Err() == nil {
			c.Log.WarnContext(ctx, "publishing the queue age to CloudWatch", "namespace", c.Namespace, "error", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// publishQueueAge reads the queues once and sends one datum per location,
// in as few PutMetricData calls as the request limit allows.
func publishQueueAge(ctx context.Context, c CloudWatchPublisherConfig, now time.Time) error {
	ctx, cancel := context.WithTimeout(ctx, c.CallTimeout)
	defer cancel()
	stats, err := c.Source(ctx)
	if err != nil {
		return fmt.Errorf("reading the run queues: %w", err)
	}
	ages := OldestAges(stats)
	locs := make([]string, 0, len(ages))
	for loc := range ages {
		locs = append(locs, loc)
	}
	slices.Sort(locs)
	data := make([]types.MetricDatum, 0, len(locs))
	for _, loc := range locs {
		data = append(data, types.MetricDatum{
			MetricName: aws.String(QueueAgeMetric),
			Dimensions: []types.Dimension{{Name: aws.String(LocationDimension), Value: aws.String(loc)}},
			Timestamp:  aws.Time(now),
			Unit:       types.StandardUnitSeconds,
			Value:      aws.Float64(ages[loc].Seconds()),
		})
	}
	for chunk := range slices.Chunk(data, maxDatums) {
		if _, err := c.Client.PutMetricData(ctx, &cloudwatch.PutMetricDataInput{Namespace: aws.String(c.Namespace), MetricData: chunk}); err != nil {
			return fmt.Errorf("PutMetricData: %w", err)
		}
	}
	return nil
}
