package email

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/catena-monitor/catena/internal/alerting/alert"
)

// smtpStandIn is a real SMTP server (emersion/go-smtp) on loopback that
// records the messages it accepts; refuse decides per recipient.
type smtpStandIn struct {
	mu       sync.Mutex
	messages [][]byte
	rcpts    [][]string
	authUser string
	refuse   func(rcpt string) error
}

func (s *smtpStandIn) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{s: s}, nil }

type session struct {
	s     *smtpStandIn
	rcpts []string
}

func (x *session) AuthMechanisms() []string { return []string{sasl.Plain} }
func (x *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != "catena" || pass != "hunter22" {
			return errors.New("bad credentials")
		}
		x.s.mu.Lock()
		x.s.authUser = user
		x.s.mu.Unlock()
		return nil
	}), nil
}
func (x *session) Reset()                               { x.rcpts = nil }
func (x *session) Logout() error                        { return nil }
func (x *session) Mail(string, *smtp.MailOptions) error { return nil }
func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if x.s.refuse != nil {
		if err := x.s.refuse(to); err != nil {
			return err
		}
	}
	x.rcpts = append(x.rcpts, to)
	return nil
}
func (x *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	x.s.mu.Lock()
	defer x.s.mu.Unlock()
	x.s.messages = append(x.s.messages, b)
	x.s.rcpts = append(x.s.rcpts, x.rcpts)
	return nil
}

// testTLS borrows httptest's certificate for 127.0.0.1 and a client
// configuration that trusts it.
func testTLS(t *testing.T) (server, client *tls.Config) {
	t.Helper()
	hs := httptest.NewTLSServer(http.NotFoundHandler())
	hs.Close()
	roots := hs.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs
	return &tls.Config{Certificates: hs.TLS.Certificates, MinVersion: tls.VersionTLS12},
		&tls.Config{RootCAs: roots, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
}

// startSMTP serves s on loopback: mode "none" (plain), "starttls" (STARTTLS
// offered) or "tls" (implicit TLS).
func startSMTP(t *testing.T, s *smtpStandIn, mode string, serverTLS *tls.Config) (host string, port int) {
	t.Helper()
	srv := smtp.NewServer(s)
	srv.Domain = "localhost"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	var l net.Listener
	var err error
	switch mode {
	case "tls":
		l, err = tls.Listen("tcp", "127.0.0.1:0", serverTLS)
	case "starttls":
		srv.TLSConfig = serverTLS
		l, err = net.Listen("tcp", "127.0.0.1:0")
	default:
		l, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	a := l.Addr().(*net.TCPAddr)
	return "127.0.0.1", a.Port
}

func sample() alert.Event {
	return alert.Event{
		Kind: alert.KindTrigger, DeliveryID: 12, MonitorName: "prod", CollectionName: "checkout <flow>",
		RunID: 42, RunURL: "https://catena.example.com/runs/42", RunStatus: "failed",
		Step: &alert.FailedStep{Name: "me", Position: 2, Status: "failed", Assertions: []alert.Assertion{
			{Source: "header", Property: "content-type", Comparison: "contains", Expected: "json", Actual: "text/html"},
		}},
		Locations:    []string{"local"},
		FailingSince: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC),
		At:           time.Date(2026, 3, 1, 12, 1, 0, 0, time.UTC),
	}
}

func TestAlertSMTPSendsTextAndHTML(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"starttls", "tls"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			testSMTPSend(t, mode)
		})
	}
}

func testSMTPSend(t *testing.T, mode string) {
	rec := &smtpStandIn{}
	serverTLS, clientTLS := testTLS(t)
	host, port := startSMTP(t, rec, mode, serverTLS)
	p := New(map[string]string{SettingAddresses: "ops@example.com, dev@example.com"}, Transport{
		Provider: "smtp", From: "Catena <catena@example.com>", Host: host, Port: port, TLS: mode, TLSConfig: clientTLS,
		Username: "catena", Password: "hunter22", Timeout: 10 * time.Second,
	})
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := p.Send(context.Background(), sample()); err != nil {
		t.Fatal(err)
	}
	if len(rec.messages) != 1 {
		t.Fatalf("server got %d messages", len(rec.messages))
	}
	if rec.authUser != "catena" {
		t.Errorf("authenticated as %q", rec.authUser)
	}
	if strings.Join(rec.rcpts[0], ",") != "ops@example.com,dev@example.com" {
		t.Errorf("recipients %v", rec.rcpts[0])
	}
	m, err := mail.ReadMessage(bytes.NewReader(rec.messages[0]))
	if err != nil {
		t.Fatal(err)
	}
	subject, _ := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if !strings.Contains(subject, "checkout <flow>") {
		t.Errorf("subject %q", subject)
	}
	if !strings.Contains(m.Header.Get("Message-Id"), "catena-delivery-12@example.com") {
		t.Errorf("message id %q", m.Header.Get("Message-Id"))
	}
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("content type %q: %v", m.Header.Get("Content-Type"), err)
	}
	parts := map[string]string{}
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(part) // quoted-printable is decoded by NextPart
		ct, _, _ := mime.ParseMediaType(part.Header.Get("Content-Type"))
		parts[ct] = string(b)
	}
	text, html := parts["text/plain"], parts["text/html"]
	for _, want := range []string{`Step 2 "me" failed`, `header content-type contains: expected "json", got "text/html"`, "https://catena.example.com/runs/42", "Failing for 1m0s"} {
		if !strings.Contains(text, want) {
			t.Errorf("text part lacks %q:\n%s", want, text)
		}
	}
	if !strings.Contains(html, `<a href="https://catena.example.com/runs/42">`) || !strings.Contains(html, "checkout &lt;flow&gt;") {
		t.Errorf("html part:\n%s", html)
	}
}

func TestAlertSMTPTransientAndPermanent(t *testing.T) {
	t.Parallel()
	rec := &smtpStandIn{refuse: func(rcpt string) error {
		if strings.HasPrefix(rcpt, "busy@") {
			return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
		}
		if strings.HasPrefix(rcpt, "nobody@") {
			return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
		}
		return nil
	}}
	host, port := startSMTP(t, rec, "none", nil)
	tr := Transport{Provider: "smtp", From: "catena@example.com", Host: host, Port: port, TLS: "none"}
	err := New(map[string]string{SettingAddresses: "busy@example.com"}, tr).Send(context.Background(), sample())
	if err == nil || alert.IsPermanent(err) {
		t.Errorf("451: got %v, want a transient error", err)
	}
	err = New(map[string]string{SettingAddresses: "nobody@example.com"}, tr).Send(context.Background(), sample())
	if !alert.IsPermanent(err) || !strings.Contains(err.Error(), "550") {
		t.Errorf("550: got %v, want a permanent error naming the reply", err)
	}
}

func TestAlertSES(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var got []map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var in map[string]any
		_ = json.Unmarshal(b, &in)
		mu.Lock()
		defer mu.Unlock()
		got = append(got, in)
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path != "/v2/email/outbound-emails" {
			w.WriteHeader(404)
			return
		}
		if strings.Contains(string(b), "rejected@") {
			w.Header().Set("X-Amzn-ErrorType", "MessageRejected")
			w.WriteHeader(400)
			_, _ = io.WriteString(w, `{"message":"Email address is not verified."}`)
			return
		}
		_, _ = io.WriteString(w, `{"MessageId":"0100018e-test"}`)
	}))
	t.Cleanup(srv.Close)
	client := sesv2.New(sesv2.Options{
		Region: "eu-west-1", BaseEndpoint: aws.String(srv.URL), HTTPClient: srv.Client(), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
	})
	tr := Transport{Provider: "ses", From: "catena@example.com", SES: client}
	p := New(map[string]string{SettingAddresses: "ops@example.com"}, tr)
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := p.Send(context.Background(), sample()); err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(got[0])
	for _, want := range []string{`"ToAddresses":["ops@example.com"]`, `Step 2 \"me\" failed`, `\u003ca href=`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("SES request lacks %s: %s", want, body)
		}
	}
	err := New(map[string]string{SettingAddresses: "rejected@example.com"}, tr).Send(context.Background(), sample())
	if !alert.IsPermanent(err) || !strings.Contains(err.Error(), "MessageRejected") {
		t.Errorf("rejected: %v", err)
	}
}

func TestAlertValidate(t *testing.T) {
	t.Parallel()
	tr := Transport{Provider: "smtp", From: "catena@example.com", Host: "127.0.0.1"}
	for _, s := range []string{"", "not-an-address", "ok@example.com, bad"} {
		if New(map[string]string{SettingAddresses: s}, tr).Validate() == nil {
			t.Errorf("%q accepted", s)
		}
	}
	if New(map[string]string{SettingAddresses: "ok@example.com"}, Transport{Provider: "smtp", Host: "x"}).Validate() == nil {
		t.Error("no sender accepted")
	}
}
