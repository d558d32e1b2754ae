package email

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
)

// Config is the operator's mail settings (CATENA_EMAIL_PROVIDER, CATENA_SMTP_*,
// and the AWS settings when the provider is SES). internal/cli fills it from
// the server's configuration, so alerting never reads the configuration.
type Config struct {
	Provider string // smtp | ses
	From     string
	SMTPHost string
	SMTPPort int
	SMTPUser string
	SMTPPass string
	SMTPTLS  string // starttls | tls | none
	AWS      AWSConfig
}

// AWSConfig is where SES is reached: the email channel's own AWS settings,
// not borrowed from another part of the server.
type AWSConfig struct {
	Region string // AWS_REGION
	// EndpointURL overrides the SES URL ("" = AWS's), for LocalStack and
	// tests (CATENA_AWS_ENDPOINT_URL).
	EndpointURL string
	// Credentials replaces the default AWS credential chain when set.
	Credentials aws.CredentialsProvider
}

// NewTransport builds the mail transport from the operator's settings, with
// an SES client when the provider is ses. It is the one constructor: the
// runner's deliveries and the gateway's "send test alert" both call it, so
// both reach the same endpoint.
func NewTransport(ctx context.Context, c Config) (Transport, error) {
	t := Transport{
		Provider: c.Provider, From: c.From,
		Host: c.SMTPHost, Port: c.SMTPPort, Username: c.SMTPUser, Password: c.SMTPPass, TLS: c.SMTPTLS,
	}
	if c.Provider == "ses" {
		client, err := NewSES(ctx, c.AWS)
		if err != nil {
			return Transport{}, err
		}
		t.SES = client
	}
	return t, nil
}

// NewSES builds an SES v2 client from the default AWS credential chain (or
// c.Credentials), in c.Region, at c.EndpointURL when set.
func NewSES(ctx context.Context, c AWSConfig) (*sesv2.Client, error) {
	opts := []func(*awsconfig.LoadOptions) error{awsconfig.WithRegion(c.Region)}
	if c.Credentials != nil {
		opts = append(opts, awsconfig.WithCredentialsProvider(c.Credentials))
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("loading AWS configuration for SES: %w", err)
	}
	return sesv2.NewFromConfig(cfg, func(o *sesv2.Options) {
		if c.EndpointURL != "" {
			o.BaseEndpoint = aws.String(c.EndpointURL)
		}
	}), nil
}
