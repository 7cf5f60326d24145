package web

import (
	"fmt"
	"html/template"
	"strconv"
	"strings"
)

// Charts are inline SVG drawn on the server: no script, no chart library,
// nothing loaded. The CSP forbids style attributes, so every colour and
// size is an SVG presentation attribute. A chart is an image with a title
// and a description (role="img"); each page shows the same figures in a
// table beside it, so nothing is said by the picture alone.

// chartBar is one bar: its label under it, its value over it.
type chartBar struct {
	Label string
	Value int64
	// Fill is the bar's colour; "" for the default blue.
	Fill string
	// Stack is a second value drawn on top of the first in StackFill
	// (the denials over the passes of an hour); the label gives the sum.
	Stack     int64
	StackFill string
	// Tick labels this bar on the axis; bars without one stay unlabelled
	// (24 hours do not all fit under a phone's chart).
	Tick bool
}

// Colours of the charts, with enough contrast against white (WCAG 1.4.11).
const (
	fillBar    = "#0b57d0"
	fillDeny   = "#b3261e"
	fillGreen  = "#1a7f37"
	fillYellow = "#b58a00" // darker than the band's yellow: 3:1 against white
	fillRed    = "#b3261e"
	fillGrey   = "#5a5f66"
)

// colourFill is the bar colour of a code colour's name.
func colourFill(name string) string {
	switch name {
	case "green":
		return fillGreen
	case "yellow":
		return fillYellow
	case "red":
		return fillRed
	}
	return fillGrey
}

// barChart draws bars side by side, scaled to the largest, with the value
// over each bar when there is room. id names the title and description
// for aria-labelledby; title and desc are plain text (escaped here).
func barChart(id, title, desc string, bars []chartBar) template.HTML {
	const (
		width, height     = 640, 220
		left, right       = 8, 8
		top, bottom       = 22, 30
		plotW, plotH      = width - left - right, height - top - bottom
		minBarForValueLbl = 18.0
	)
	var maxV int64
	for _, b := range bars {
		maxV = max(maxV, b.Value+b.Stack)
	}
	var sb strings.Builder
	esc := template.HTMLEscapeString
	fmt.Fprintf(&sb, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-labelledby="%s-t %s-d">`,
		width, height, esc(id), esc(id))
	fmt.Fprintf(&sb, `<title id="%s-t">%s</title><desc id="%s-d">%s</desc>`, esc(id), esc(title), esc(id), esc(desc))
	// The axis.
	fmt.Fprintf(&sb, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#8a9099" stroke-width="1"/>`, left, top+plotH, left+plotW, top+plotH)
	if len(bars) > 0 {
		slot := float64(plotW) / float64(len(bars))
		barW := slot * 0.7
		for i, b := range bars {
			x := float64(left) + slot*float64(i) + (slot-barW)/2
			scale := func(v int64) float64 {
				if maxV == 0 || v == 0 {
					return 0
				}
				return max(1, float64(plotH)*float64(v)/float64(maxV))
			}
			h, hs := scale(b.Value), scale(b.Stack)
			y := float64(top+plotH) - h
			fill := b.Fill
			if fill == "" {
				fill = fillBar
			}
			fmt.Fprintf(&sb, `<rect x="%s" y="%s" width="%s" height="%s" fill="%s"/>`, num(x), num(y), num(barW), num(h), esc(fill))
			if hs > 0 {
				y -= hs
				fmt.Fprintf(&sb, `<rect x="%s" y="%s" width="%s" height="%s" fill="%s"/>`, num(x), num(y), num(barW), num(hs), esc(b.StackFill))
			}
			cx := x + barW/2
			if total := b.Value + b.Stack; total > 0 && (barW >= minBarForValueLbl || len(bars) <= 12) {
				fmt.Fprintf(&sb, `<text x="%s" y="%s" text-anchor="middle" font-size="14" fill="#1a1a1a">%d</text>`, num(cx), num(y-4), total)
			}
			if b.Tick {
				fmt.Fprintf(&sb, `<text x="%s" y="%d" text-anchor="middle" font-size="14" fill="#4b5058">%s</text>`, num(cx), top+plotH+18, esc(b.Label))
			}
		}
	}
	sb.WriteString(`</svg>`)
	return template.HTML(sb.String())
}

// num writes a coordinate with one decimal at most.
func num(f float64) string { return strconv.FormatFloat(float64(int64(f*10+0.5))/10, 'f', -1, 64) }

// areaSeries is one layer of a stacked area chart.
type areaSeries struct {
	Fill   string
	Values []int64
}

// stackedAreaChart draws series stacked bottom first over points labelled
// labels (a label "" stays unlabelled), scaled to the largest total, the
// largest total written at the top of the axis. A single point is drawn
// as a band across the width.
func stackedAreaChart(id, title, desc string, labels []string, series []areaSeries) template.HTML {
	const (
		width, height = 640, 220
		left, right   = 8, 8
		top, bottom   = 22, 30
		plotW, plotH  = width - left - right, height - top - bottom
	)
	n := len(labels)
	totals := make([]int64, n)
	var maxV int64
	for i := range n {
		for _, s := range series {
			if i < len(s.Values) {
				totals[i] += s.Values[i]
			}
		}
		maxV = max(maxV, totals[i])
	}
	var sb strings.Builder
	esc := template.HTMLEscapeString
	fmt.Fprintf(&sb, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-labelledby="%s-t %s-d">`,
		width, height, esc(id), esc(id))
	fmt.Fprintf(&sb, `<title id="%s-t">%s</title><desc id="%s-d">%s</desc>`, esc(id), esc(title), esc(id), esc(desc))
	fmt.Fprintf(&sb, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#8a9099" stroke-width="1"/>`, left, top+plotH, left+plotW, top+plotH)
	if n == 0 || maxV == 0 {
		sb.WriteString(`</svg>`)
		return template.HTML(sb.String())
	}
	x := func(i int) float64 {
		if n == 1 {
			return float64(left) + float64(plotW)*float64(i)
		}
		return float64(left) + float64(plotW)*float64(i)/float64(n-1)
	}
	y := func(v int64) float64 { return float64(top+plotH) - float64(plotH)*float64(v)/float64(maxV) }
	xs := make([]float64, 0, n+1)
	for i := range n {
		xs = append(xs, x(i))
	}
	if n == 1 {
		xs = append(xs, x(1)) // the one point spans the width
	}
	base := make([]int64, len(xs))
	val := func(s areaSeries, i int) int64 {
		if n == 1 {
			i = 0
		}
		if i < len(s.Values) {
			return s.Values[i]
		}
		return 0
	}
	for _, s := range series {
		var pts strings.Builder
		for i, px := range xs { // the upper edge, left to right
			fmt.Fprintf(&pts, "%s,%s ", num(px), num(y(base[i]+val(s, i))))
		}
		for i := len(xs) - 1; i >= 0; i-- { // the lower edge back
			fmt.Fprintf(&pts, "%s,%s ", num(xs[i]), num(y(base[i])))
		}
		fmt.Fprintf(&sb, `<polygon points="%s" fill="%s" stroke="#ffffff" stroke-width="1"/>`, strings.TrimSpace(pts.String()), esc(s.Fill))
		for i := range base {
			base[i] += val(s, i)
		}
	}
	fmt.Fprintf(&sb, `<text x="%d" y="%d" font-size="14" fill="#1a1a1a">%d</text>`, left+2, top-6, maxV)
	for i, l := range labels {
		if l == "" {
			continue
		}
		anchor := "middle"
		switch {
		case i == 0:
			anchor = "start"
		case i == n-1:
			anchor = "end"
		}
		fmt.Fprintf(&sb, `<text x="%s" y="%d" text-anchor="%s" font-size="14" fill="#4b5058">%s</text>`, num(x(i)), top+plotH+18, anchor, esc(l))
	}
	sb.WriteString(`</svg>`)
	return template.HTML(sb.String())
}
