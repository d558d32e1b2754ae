// Package email sends alerts as multipart email (plain text and HTML) through
// SMTP or Amazon SES v2, whichever the operator configured.
//
// SMTP goes through github.com/wneessen/go-mail rather than net/smtp: it
// builds the multipart/alternative MIME message, handles STARTTLS (mandatory),
// implicit TLS and no TLS with one option each, picks an AUTH mechanism, takes
// a context for the whole exchange, and reports the server's reply code so a
// 5xx can be told from a 4xx. net/smtp is frozen and would leave all of that
// to us.
package email

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"html"
	"net/mail"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	sestypes "github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	"github.com/aws/smithy-go"
	gomail "github.com/wneessen/go-mail"

	"github.com/catena-monitor/catena/internal/alerting/alert"
)

// SettingAddresses is the channel setting: recipients separated by commas.
const SettingAddresses = "addresses"

// MaxRecipients bounds one channel's address list.
const MaxRecipients = 50

// SES is the part of the SES v2 client used here (*sesv2.Client satisfies it).
type SES interface {
	SendEmail(ctx context.Context, in *sesv2.SendEmailInput, optFns ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error)
}

// Transport is how mail leaves Catena, from the operator's configuration
// (CATENA_EMAIL_PROVIDER, CATENA_SMTP_*), not from the channel.
type Transport struct {
	Provider string // smtp | ses
	From     string
	// SMTP settings.
	Host      string
	Port      int
	Username  string
	Password  string
	TLS       string      // starttls | tls | none
	TLSConfig *tls.Config // nil: system roots, ServerName = Host
	Timeout   time.Duration
	// SES is used when Provider is ses.
	SES SES
}

// Provider mails one list of addresses.
type Provider struct {
	t         Transport
	addresses []string
}

var _ alert.Provider = (*Provider)(nil)

// New builds the provider from the channel's settings and the operator's transport.
func New(settings map[string]string, t Transport) *Provider {
	var addrs []string
	for _, a := range strings.FieldsFunc(settings[SettingAddresses], func(r rune) bool { return r == ',' || r == ';' || r == '\n' }) {
		if a = strings.TrimSpace(a); a != "" {
			addrs = append(addrs, a)
		}
	}
	return &Provider{t: t, addresses: addrs}
}

// Type is email.
func (p *Provider) Type() alert.Type { return alert.TypeEmail }

// Validate checks the addresses and that the operator configured a transport.
func (p *Provider) Validate() error {
	var errs []error
	if len(p.addresses) == 0 {
		errs = append(errs, errors.New("email: addresses must list at least one address"))
	}
	if len(p.addresses) > MaxRecipients {
		errs = append(errs, fmt.Errorf("email: at most %d addresses per channel", MaxRecipients))
	}
	for _, a := range p.addresses {
		if _, err := mail.ParseAddress(a); err != nil {
			errs = append(errs, fmt.Errorf("email: %q is not an email address", a))
		}
	}
	switch {
	case p.t.From == "":
		errs = append(errs, errors.New("email: the server has no sender address (set CATENA_EMAIL_FROM)"))
	case p.t.Provider == "ses" && p.t.SES == nil:
		errs = append(errs, errors.New("email: SES is selected but no SES client is configured"))
	case p.t.Provider != "ses" && p.t.Host == "":
		errs = append(errs, errors.New("email: the server has no SMTP host (set CATENA_SMTP_HOST)"))
	}
	return errors.Join(errs...)
}

// Send mails the event to every address in one message.
func (p *Provider) Send(ctx context.Context, e alert.Event) error {
	if p.t.Provider == "ses" {
		return p.sendSES(ctx, e)
	}
	return p.sendSMTP(ctx, e)
}

func (p *Provider) sendSMTP(ctx context.Context, e alert.Event) error {
	msg := gomail.NewMsg()
	if err := msg.From(p.t.From); err != nil {
		return alert.Permanent(fmt.Errorf("email: sender %q: %w", p.t.From, err))
	}
	if err := msg.To(p.addresses...); err != nil {
		return alert.Permanent(fmt.Errorf("email: recipients: %w", err))
	}
	msg.Subject(e.Title())
	msg.SetDate()
	if e.DeliveryID != 0 {
		// The same id on every retry lets mail systems drop a duplicate.
		msg.SetMessageIDWithValue(fmt.Sprintf("catena-delivery-%d@%s", e.DeliveryID, domainOf(p.t.From)))
	} else {
		msg.SetMessageID()
	}
	msg.SetBodyString(gomail.TypeTextPlain, e.Text())
	msg.AddAlternativeString(gomail.TypeTextHTML, HTML(e))

	opts := []gomail.Option{gomail.WithTimeout(cmpDuration(p.t.Timeout, 30*time.Second))}
	switch p.t.TLS {
	case "tls":
		opts = append(opts, gomail.WithSSL())
	case "none":
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if p.t.Port != 0 {
		opts = append(opts, gomail.WithPort(p.t.Port))
	}
	if p.t.TLSConfig != nil {
		opts = append(opts, gomail.WithTLSConfig(p.t.TLSConfig))
	}
	if p.t.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover), gomail.WithUsername(p.t.Username), gomail.WithPassword(p.t.Password))
	}
	c, err := gomail.NewClient(p.t.Host, opts...)
	if err != nil {
		return alert.Permanent(fmt.Errorf("email: SMTP settings: %w", err))
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		var se *gomail.SendError
		if errors.As(err, &se) && se.ErrorCode() >= 500 {
			return alert.Permanent(fmt.Errorf("email: SMTP server refused the message: %w", err))
		}
		return fmt.Errorf("email: %w", err)
	}
	return nil
}

// permanentSES are SES error codes a retry cannot fix.
var permanentSES = map[string]bool{
	"MessageRejected":                    true,
	"MailFromDomainNotVerifiedException": true,
	"AccountSuspendedException":          true,
	"SendingPausedException":             true,
	"BadRequestException":                true,
	"NotFoundException":                  true,
}

func (p *Provider) sendSES(ctx context.Context, e alert.Event) error {
	in := &sesv2.SendEmailInput{
		FromEmailAddress: aws.String(p.t.From),
		Destination:      &sestypes.Destination{ToAddresses: p.addresses},
		Content: &sestypes.EmailContent{Simple: &sestypes.Message{
			Subject: &sestypes.Content{Data: aws.String(e.Title()), Charset: aws.String("UTF-8")},
			Body: &sestypes.Body{
				Text: &sestypes.Content{Data: aws.String(e.Text()), Charset: aws.String("UTF-8")},
				Html: &sestypes.Content{Data: aws.String(HTML(e)), Charset: aws.String("UTF-8")},
			},
		}},
	}
	if _, err := p.t.SES.SendEmail(ctx, in); err != nil {
		var ae smithy.APIError
		if errors.As(err, &ae) && permanentSES[ae.ErrorCode()] {
			return alert.Permanent(fmt.Errorf("email: SES refused the message: %s: %s", ae.ErrorCode(), ae.ErrorMessage()))
		}
		return fmt.Errorf("email: SES: %w", err)
	}
	return nil
}

// HTML is the HTML part: the same lines as the text part, escaped.
func HTML(e alert.Event) string {
	var b strings.Builder
	b.WriteString("<!doctype html><html><body style=\"font-family:sans-serif\">")
	fmt.Fprintf(&b, "<h2>%s</h2><ul>", html.EscapeString(e.Title()))
	for _, l := range e.Lines() {
		fmt.Fprintf(&b, "<li>%s</li>", html.EscapeString(l))
	}
	b.WriteString("</ul>")
	if e.RunURL != "" {
		fmt.Fprintf(&b, "<p><a href=\"%s\">Open the run in Catena</a></p>", html.EscapeString(e.RunURL))
	}
	b.WriteString("</body></html>")
	return b.String()
}

func domainOf(addr string) string {
	if a, err := mail.ParseAddress(addr); err == nil {
		addr = a.Address
	}
	if i := strings.LastIndexByte(addr, '@'); i >= 0 && i < len(addr)-1 {
		return addr[i+1:]
	}
	return "catena"
}

func cmpDuration(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}
