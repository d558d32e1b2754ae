package statuspage

import (
	"bytes"
	"fmt"
	"html/template"
	"math"
)

// Badge colours (flat style): green, yellow-green, amber, red, blue, grey,
// each dark enough for white text (contrast of 4.5:1 or more).
const (
	colorGood     = "#2e8540"
	colorFair     = "#5b6b00"
	colorWarn     = "#9a5b00"
	colorBad      = "#c62828"
	colorInfo     = "#1f6feb"
	colorNeutral  = "#616a74"
	colorLabel    = "#4a4f55"
	badgeFontSize = 11.0
	badgePad      = 6.0 // each side of each half
)

// badge is one rendered badge: a grey label half and a coloured message half.
type badge struct {
	Label, Message, Color string
}

// em holds Verdana's advance widths in em (its metrics, rounded) for the
// characters a badge may hold; anything else counts as a wide 0.75 em, and a
// character beyond U+2E80 (CJK and the like) as a full em.
var em = func() map[rune]float64 {
	m := map[rune]float64{' ': 0.352, '%': 1.076, '-': 0.431, '.': 0.364, ',': 0.364, ':': 0.454, '(': 0.454,
		')': 0.454, '/': 0.454, '<': 0.818, '>': 0.818, '+': 0.818, '&': 0.706, '\'': 0.269, '"': 0.46, '!': 0.394,
		'?': 0.545, '#': 0.818, '_': 0.636}
	for r := '0'; r <= '9'; r++ {
		m[r] = 0.636
	}
	lower := "a601b623c521d623e596f352g623h633i274j344k592l274m973n633o607p623q623r427s521t394u633v592w818x592y592z525"
	upper := "A684B686C698D771E632F575G775H751I421J455K693L557M843N748O787P603Q787R695S684T616U732V684W989X685Y615Z685"
	for _, s := range []string{lower, upper} {
		for i := 0; i+4 <= len(s); i += 4 {
			m[rune(s[i])] = float64(int(s[i+1]-'0')*100+int(s[i+2]-'0')*10+int(s[i+3]-'0')) / 1000
		}
	}
	return m
}()

// textWidth estimates the width of s in pixels at the badge's font size.
func textWidth(s string) float64 {
	w := 0.0
	for _, r := range s {
		switch v, ok := em[r]; {
		case ok:
			w += v
		case r >= 0x2E80:
			w += 1
		default:
			w += 0.75
		}
	}
	return w * badgeFontSize
}

// badgeLayout is a badge with its geometry worked out.
type badgeLayout struct {
	badge
	Width, LabelWidth, MessageWidth int
	LabelX, MessageX                float64
	LabelText, MessageText          float64 // textLength of each text
}

func layout(b badge) badgeLayout {
	lt, mt := textWidth(b.Label), textWidth(b.Message)
	lw, mw := int(math.Ceil(lt+2*badgePad)), int(math.Ceil(mt+2*badgePad))
	return badgeLayout{badge: b, Width: lw + mw, LabelWidth: lw, MessageWidth: mw,
		LabelX: float64(lw) / 2, MessageX: float64(lw) + float64(mw)/2,
		LabelText: math.Round(lt*10) / 10, MessageText: math.Round(mt*10) / 10}
}

// badgeTemplate draws a 20 px high flat badge: a rounded label-coloured
// body, the message half over it (rounded on the right, squared where it
// meets the label). It uses no ids, so badges inlined in one page cannot
// clash. html/template escapes every text and attribute. textLength pins
// each text to its estimated width, so a viewer without Verdana still fits
// it in its half.
var badgeTemplate = template.Must(template.New("badge").Parse(`<svg xmlns="http://www.w3.org/2000/svg" width="{{.Width}}" height="20" viewBox="0 0 {{.Width}} 20" role="img" aria-label="{{.Label}}: {{.Message}}">` +
	`<title>{{.Label}}: {{.Message}}</title>` +
	`<rect width="{{.Width}}" height="20" rx="3" fill="` + colorLabel + `"/>` +
	`<rect x="{{.LabelWidth}}" width="{{.MessageWidth}}" height="20" rx="3" fill="{{.Color}}"/>` +
	`<rect x="{{.LabelWidth}}" width="4" height="20" fill="{{.Color}}"/>` +
	`<g fill="#fff" text-anchor="middle" font-family="Verdana,DejaVu Sans,Geneva,sans-serif" font-size="11">` +
	`<text x="{{.LabelX}}" y="14" textLength="{{.LabelText}}" lengthAdjust="spacingAndGlyphs">{{.Label}}</text>` +
	`<text x="{{.MessageX}}" y="14" textLength="{{.MessageText}}" lengthAdjust="spacingAndGlyphs">{{.Message}}</text>` +
	`</g></svg>`))

// renderBadge returns the badge's SVG document.
func renderBadge(b badge) ([]byte, error) {
	var buf bytes.Buffer
	if err := badgeTemplate.Execute(&buf, layout(b)); err != nil {
		return nil, fmt.Errorf("rendering a badge: %w", err)
	}
	return buf.Bytes(), nil
}
