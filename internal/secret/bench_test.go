package secret

import (
	"strings"
	"testing"

	"github.com/catena-monitor/catena/internal/secret/secrettest"
)

// The cost of the redactor per secret set (built once and cached by the
// runner) and per string redacted (every field of every step), for an
// ordinary token and for the hostile secret of secrettest.
func BenchmarkRedactor(b *testing.B) {
	text := strings.Repeat(`{"id": 42, "name": "order", "items": [1, 2, 3]} `, 20)
	for name, v := range map[string]string{"token": "sk_live_4eC39HqLyjWDarjtT1zdp7dc", "hostile": secrettest.Value} {
		secrets := map[string]string{"k": v}
		b.Run(name+"/build", func(b *testing.B) {
			for b.Loop() {
				NewRedactor(secrets)
			}
		})
		r := NewRedactor(secrets)
		b.Run(name+"/redact", func(b *testing.B) {
			b.ReportMetric(float64(len(r.forms)), "forms")
			for b.Loop() {
				r.Redact(text)
			}
		})
	}
}
