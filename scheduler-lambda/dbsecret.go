package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// defaultSecretURL is the template the secret's fields fill when DATABASE_URL
// is unset: TLS required, as RDS allows.
const defaultSecretURL = "postgres:///catena?sslmode=require" //nolint:gosec // no credentials: the secret fills them in

// secretTimeout bounds reading the secret at cold start.
const secretTimeout = 10 * time.Second

// dbSecret is the JSON of an RDS credentials secret. Port is a number in the
// secrets RDS writes, a string in some written by hand; both are accepted.
type dbSecret struct {
	Username string          `json:"username"`
	Password string          `json:"password"`
	Host     string          `json:"host"`
	Port     json.RawMessage `json:"port"`
	DBName   string          `json:"dbname"`
}

// withSecretDatabaseURL returns getenv with DATABASE_URL built from the
// Secrets Manager secret DATABASE_SECRET_ARN names, when it is set, so the
// password never sits in the Lambda's environment. DATABASE_URL, if also
// set, is the template whose options (sslmode…) the URL keeps; the secret
// gives the user, password, host, port and (when present) database.
func withSecretDatabaseURL(ctx context.Context, getenv func(string) string) (func(string) string, error) {
	arn := getenv("DATABASE_SECRET_ARN")
	if arn == "" {
		return getenv, nil
	}
	var opts []func(*awsconfig.LoadOptions) error
	if r := cmp.Or(getenv("AWS_REGION"), getenv("AWS_DEFAULT_REGION")); r != "" {
		opts = append(opts, awsconfig.WithRegion(r))
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("loading AWS configuration for Secrets Manager: %w", err)
	}
	client := secretsmanager.NewFromConfig(cfg, func(o *secretsmanager.Options) {
		if u := getenv("CATENA_AWS_ENDPOINT_URL"); u != "" {
			o.BaseEndpoint = aws.String(u)
		}
	})
	ctx, cancel := context.WithTimeout(ctx, secretTimeout)
	defer cancel()
	out, err := client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(arn)})
	if err != nil {
		return nil, fmt.Errorf("DATABASE_SECRET_ARN: reading secret %s: %w", arn, err)
	}
	if out.SecretString == nil {
		return nil, fmt.Errorf("DATABASE_SECRET_ARN: secret %s has no SecretString", arn)
	}
	u, err := secretDatabaseURL(cmp.Or(getenv("DATABASE_URL"), defaultSecretURL), *out.SecretString)
	if err != nil {
		return nil, fmt.Errorf("DATABASE_SECRET_ARN: secret %s: %w", arn, err)
	}
	return func(k string) string {
		if k == "DATABASE_URL" {
			return u
		}
		return getenv(k)
	}, nil
}

// secretDatabaseURL fills template with the secret's fields. Its errors name
// fields, never values.
func secretDatabaseURL(template, secretJSON string) (string, error) {
	var s dbSecret
	if err := json.Unmarshal([]byte(secretJSON), &s); err != nil {
		return "", errors.New("the secret is not JSON with username, password, host and port")
	}
	var missing []string
	for name, v := range map[string]string{"username": s.Username, "password": s.Password, "host": s.Host} {
		if v == "" {
			missing = append(missing, name)
		}
	}
	port := string(bytes.Trim(s.Port, `"`))
	if port == "" || strings.Trim(port, "0123456789") != "" {
		missing = append(missing, "port")
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return "", fmt.Errorf("the secret lacks %s (or a numeric port)", strings.Join(missing, ", "))
	}
	u, err := url.Parse(template)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", errors.New("DATABASE_URL, the template for the secret's fields, must be a postgres:// URL")
	}
	u.User = url.UserPassword(s.Username, s.Password)
	u.Host = net.JoinHostPort(s.Host, port)
	if s.DBName != "" {
		u.Path = "/" + s.DBName
	}
	return u.String(), nil
}
