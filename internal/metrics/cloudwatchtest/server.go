// Package cloudwatchtest is a local stand-in for CloudWatch's PutMetricData,
// for tests only: an httptest server on 127.0.0.1 that checks every request
// is SigV4-signed for the monitoring service, decodes the rpcv2-CBOR body the
// SDK sends and keeps the data it received. It can be told to refuse
// requests.
package cloudwatchtest

import (
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/smithy-go/encoding/cbor"
)

// Datum is one metric datum as received.
type Datum struct {
	Namespace  string
	MetricName string
	Dimensions map[string]string
	Unit       string
	Value      float64
	Timestamp  time.Time
}

// Server is the stand-in. Its zero value is not usable; call New.
type Server struct {
	URL string

	mu     sync.Mutex
	data   []Datum
	calls  int
	refuse int // how many more requests get a 500
}

// New starts a server; it stops at the end of the test.
func New(t testing.TB) *Server {
	s := &Server{}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// Client returns a CloudWatch client for the server with static credentials
// and no SDK retries.
func (s *Server) Client() *cloudwatch.Client {
	return cloudwatch.New(cloudwatch.Options{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		BaseEndpoint:     aws.String(s.URL),
		RetryMaxAttempts: 1,
	})
}

// Refuse makes the next n requests fail with 500 InternalServiceError.
func (s *Server) Refuse(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refuse = n
}

// Data returns every datum received so far, in order.
func (s *Server) Data() []Datum {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Datum(nil), s.data...)
}

// Calls is how many PutMetricData requests arrived (refused ones included).
func (s *Server) Calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	auth := r.Header.Get("Authorization")
	if !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/") || !strings.Contains(auth, "/us-east-1/monitoring/aws4_request") || r.Header.Get("X-Amz-Date") == "" {
		apiError(w, http.StatusForbidden, "AccessDenied", "request is not SigV4-signed for monitoring")
		return
	}
	if r.Method != http.MethodPost || r.URL.Path != "/service/GraniteServiceVersion20100801/operation/PutMetricData" || r.Header.Get("Smithy-Protocol") != "rpc-v2-cbor" {
		apiError(w, http.StatusBadRequest, "UnknownOperationException", fmt.Sprintf("unexpected %s %s (smithy-protocol %q)", r.Method, r.URL.Path, r.Header.Get("Smithy-Protocol")))
		return
	}
	body := io.LimitReader(r.Body, 1<<20)
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(body)
		if err != nil {
			apiError(w, http.StatusBadRequest, "InvalidParameterValue", "bad gzip body")
			return
		}
		body = io.LimitReader(zr, 1<<20)
	}
	raw, err := io.ReadAll(body)
	if err != nil {
		apiError(w, http.StatusBadRequest, "InvalidParameterValue", "reading the body: "+err.Error())
		return
	}
	got, err := decode(raw)
	if err != nil {
		apiError(w, http.StatusBadRequest, "InvalidParameterValue", err.Error())
		return
	}
	s.mu.Lock()
	s.calls++
	if s.refuse > 0 {
		s.refuse--
		s.mu.Unlock()
		apiError(w, http.StatusInternalServerError, "InternalServiceError", "refused by the test")
		return
	}
	s.data = append(s.data, got...)
	s.mu.Unlock()
	w.Header().Set("Smithy-Protocol", "rpc-v2-cbor")
	w.WriteHeader(http.StatusOK)
}

// decode reads a PutMetricData input: {Namespace, MetricData: [{MetricName,
// Dimensions: [{Name, Value}], Timestamp, Unit, Value}]}.
func decode(raw []byte) ([]Datum, error) {
	v, err := cbor.Decode(raw)
	if err != nil {
		return nil, fmt.Errorf("body is not CBOR: %w", err)
	}
	in, ok := v.(cbor.Map)
	if !ok {
		return nil, fmt.Errorf("body is %T, not a map", v)
	}
	ns, _ := in["Namespace"].(cbor.String)
	if ns == "" {
		return nil, errors.New("the Namespace field is missing")
	}
	list, ok := in["MetricData"].(cbor.List)
	if !ok || len(list) == 0 || len(list) > 1000 {
		return nil, fmt.Errorf("MetricData must hold 1 to 1000 data")
	}
	var out []Datum
	for i, item := range list {
		m, ok := item.(cbor.Map)
		if !ok {
			return nil, fmt.Errorf("MetricData[%d] is not a map", i)
		}
		d := Datum{Namespace: string(ns), Dimensions: map[string]string{}}
		name, _ := m["MetricName"].(cbor.String)
		unit, _ := m["Unit"].(cbor.String)
		d.MetricName, d.Unit = string(name), string(unit)
		if d.MetricName == "" {
			return nil, fmt.Errorf("MetricData[%d].MetricName is missing", i)
		}
		if d.Value, err = cbor.AsFloat64(m["Value"]); err != nil {
			return nil, fmt.Errorf("MetricData[%d].Value: %w", i, err)
		}
		if d.Timestamp, err = cbor.AsTime(m["Timestamp"]); err != nil {
			return nil, fmt.Errorf("MetricData[%d].Timestamp: %w", i, err)
		}
		dims, _ := m["Dimensions"].(cbor.List)
		for j, dv := range dims {
			dm, _ := dv.(cbor.Map)
			k, _ := dm["Name"].(cbor.String)
			val, _ := dm["Value"].(cbor.String)
			if k == "" || val == "" {
				return nil, fmt.Errorf("MetricData[%d].Dimensions[%d] needs Name and Value", i, j)
			}
			d.Dimensions[string(k)] = string(val)
		}
		out = append(out, d)
	}
	return out, nil
}

func apiError(w http.ResponseWriter, status int, kind, msg string) {
	w.Header().Set("Smithy-Protocol", "rpc-v2-cbor")
	w.Header().Set("Content-Type", "application/cbor")
	w.WriteHeader(status)
	_, _ = w.Write(cbor.Encode(cbor.Map{"__type": cbor.String(kind), "message": cbor.String(msg)}))
}
